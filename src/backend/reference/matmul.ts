import type { Kernel } from '../types.js';
import { outerOffsets, reader, writer } from './access.js';

/** out[..., M, N] = a[..., M, K] · b[..., K, N], f64 accumulation, any strides. */
export const matmul: Kernel<'matmul'> = ({ a, b, out }) => {
  const r = out.rank;
  const [M, N] = [out.shape[r - 2]!, out.shape[r - 1]!];
  const K = a.shape[r - 1]!;
  const [am, ak] = [a.strides[r - 2]!, a.strides[r - 1]!];
  const [bk, bn] = [b.strides[r - 2]!, b.strides[r - 1]!];
  const batchAxes = [r - 2, r - 1];
  const aBases = outerOffsets(a, batchAxes);
  const bBases = outerOffsets(b, batchAxes);
  const ra = reader(a);
  const rb = reader(b);
  const write = writer(out);
  for (let batch = 0; batch < aBases.length; batch++) {
    const ab = aBases[batch]!;
    const bb = bBases[batch]!;
    const ob = out.offset + batch * M * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += ra(ab + i * am + k * ak) * rb(bb + k * bk + j * bn);
        write(ob + i * N + j, acc);
      }
    }
  }
};

/** Int8 linear with exact int32 accumulation per group, then scales and bias in f32. */
export const qmatmul: Kernel<'qmatmul'> = ({ a, w, scaleA, scaleW, groupSize, bias, out }) => {
  const [M, K] = [a.shape[0]!, a.shape[1]!];
  const N = w.shape[0]!;
  const groups = K / groupSize;
  const ra = reader(a);
  const rw = reader(w);
  const rsa = reader(scaleA);
  const rsw = reader(scaleW);
  const rbias = bias ? reader(bias) : undefined;
  const write = writer(out);
  for (let i = 0; i < M; i++) {
    const sa = rsa(scaleA.offset + i * scaleA.strides[0]!);
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let g = 0; g < groups; g++) {
        let iacc = 0;
        for (let k = g * groupSize; k < (g + 1) * groupSize; k++) {
          iacc +=
            ra(a.offset + i * a.strides[0]! + k * a.strides[1]!) *
            rw(w.offset + j * w.strides[0]! + k * w.strides[1]!);
        }
        acc += iacc * rsw(scaleW.offset + j * scaleW.strides[0]! + g * scaleW.strides[1]!);
      }
      let v = acc * sa;
      if (rbias && bias) v += rbias(bias.offset + j * bias.strides[0]!);
      write(out.offset + i * N + j, v);
    }
  }
};
