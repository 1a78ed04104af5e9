import type { Kernel } from '../types.js';
import { reader, writer } from './access.js';

const MASKED_SCORE = -1e9;

/** Plain softmax attention in f64, one query row at a time: the oracle for the fused kernels. */
export const attention: Kernel<'attention'> = ({ q, k, v, mask, causal, scale, out }) => {
  const [batch, heads, t, d] = q.shape as [number, number, number, number];
  const [, kvHeads, s] = k.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  const group = heads / kvHeads;
  const rq = reader(q);
  const rk = reader(k);
  const rv = reader(v);
  const rm = mask ? reader(mask) : undefined;
  const write = writer(out);
  const [qb, qh, qt, qd] = q.strides as [number, number, number, number];
  const [kb, kh, ks, kd] = k.strides as [number, number, number, number];
  const [vb, vh, vs, vd] = v.strides as [number, number, number, number];
  const [ob, oh, ot, od] = out.strides as [number, number, number, number];
  const [mb, mh, mt, ms] = mask ? (mask.strides as [number, number, number, number]) : [0, 0, 0, 0];
  const mOff = mask ? mask.offset : 0;
  const scores = new Float64Array(s);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const hk = Math.floor(h / group);
      const kBase = k.offset + b * kb + hk * kh;
      const vBase = v.offset + b * vb + hk * vh;
      for (let i = 0; i < t; i++) {
        const qBase = q.offset + b * qb + h * qh + i * qt;
        let max = -Infinity;
        for (let j = 0; j < s; j++) {
          let dot = 0;
          for (let p = 0; p < d; p++) dot += rq(qBase + p * qd) * rk(kBase + j * ks + p * kd);
          const hidden =
            (causal && j > i + s - t) ||
            (rm !== undefined && rm(mOff + b * mb + h * mh + i * mt + j * ms) === 0);
          scores[j] = hidden ? MASKED_SCORE : dot * scale;
          max = Math.max(max, scores[j]!);
        }
        let sum = 0;
        for (let j = 0; j < s; j++) {
          scores[j] = Math.exp(scores[j]! - max);
          sum += scores[j]!;
        }
        const oBase = out.offset + b * ob + h * oh + i * ot;
        for (let c = 0; c < dv; c++) {
          let acc = 0;
          for (let j = 0; j < s; j++) acc += scores[j]! * rv(vBase + j * vs + c * vd);
          write(oBase + c * od, acc / sum);
        }
      }
    }
  }
};
