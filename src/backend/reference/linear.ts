import type { Kernel } from '../types.js';
import { reader, writer } from './access.js';

/** out[i, j] = Σ_p x[i, p] · weight[j, p] + bias[j], accumulated in f64. */
export const linear: Kernel<'linear'> = ({ x, weight, bias, out }) => {
  const [m, k] = x.shape as [number, number];
  const n = weight.shape[0]!;
  const rx = reader(x);
  const rw = reader(weight);
  const rb = bias ? reader(bias) : undefined;
  const write = writer(out);
  const [xs0, xs1] = x.strides as [number, number];
  const [ws0, ws1] = weight.strides as [number, number];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = rb && bias ? rb(bias.offset + j * bias.strides[0]!) : 0;
      for (let p = 0; p < k; p++)
        acc += rx(x.offset + i * xs0 + p * xs1) * rw(weight.offset + j * ws0 + p * ws1);
      write(out.offset + i * n + j, acc);
    }
  }
};
