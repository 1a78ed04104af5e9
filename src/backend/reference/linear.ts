import type { Kernel, LinearActivation } from '../types.js';
import { reader, writer } from './access.js';
import { geluErf, geluTanh, silu } from './scalar-math.js';

const ACTIVATION: { [K in LinearActivation]: (x: number) => number } = {
  gelu_erf: geluErf,
  gelu_tanh: geluTanh,
  relu: (x) => (x > 0 ? x : 0),
  silu,
};

/** out[i, j] = act(Σ_p x[i, p] · weight[j, p] + bias[j]), accumulated in f64; no weight cache. */
export const linear: Kernel<'linear'> = ({ x, weight, bias, activation, out }) => {
  const [m, k] = x.shape as [number, number];
  const n = weight.shape[0]!;
  const rx = reader(x);
  const rw = reader(weight);
  const rb = bias ? reader(bias) : undefined;
  const act = activation ? ACTIVATION[activation] : undefined;
  const write = writer(out);
  const [xs0, xs1] = x.strides as [number, number];
  const [ws0, ws1] = weight.strides as [number, number];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = rb && bias ? rb(bias.offset + j * bias.strides[0]!) : 0;
      for (let p = 0; p < k; p++)
        acc += rx(x.offset + i * xs0 + p * xs1) * rw(weight.offset + j * ws0 + p * ws1);
      write(out.offset + i * n + j, act ? act(acc) : acc);
    }
  }
};
