/**
 * The fused attention op against the unfused composition MultiHeadAttention runs when training
 * (contiguous heads, batched q·kᵀ, scale, where(mask), softmax, probs·v, merge heads), on
 * bert-base heads (12 × 64) with a padding mask; samples alternate, figures are medians.
 * `--quick`: fewer repetitions and no long sequence.
 */
import { performance } from 'node:perf_hooks';
import {
  contiguous,
  matmul,
  mul,
  randn,
  scaledDotProductAttention,
  softmax,
  type Tensor,
  tensor,
  tidy,
  where,
} from '../src/ops/index.js';
import type { BenchContext } from './harness.js';
import { median } from './harness.js';

const HEADS = 12;
const D = 64;

export default async function attention(ctx: BenchContext): Promise<void> {
  const cases: [number, number][] = ctx.quick
    ? [
        [1, 128],
        [8, 128],
      ]
    : [
        [1, 128],
        [8, 128],
        [1, 1024],
      ];
  for (const [b, t] of cases) {
    const split = (seed: number) =>
      randn([b, t, HEADS * D], { seed })
        .view([b, t, HEADS, D])
        .permute(0, 2, 1, 3);
    const [q, k, v] = [split(1), split(2), split(3)];
    const mask = tensor(new Uint8Array(b * t).fill(1), { dtype: 'bool', shape: [b, 1, 1, t] });
    const flat = (x: Tensor) => contiguous(x).view([b * HEADS, t, D]);
    const unfused = () =>
      tidy(() => {
        const scores = mul(matmul(flat(q), flat(k), { transB: true }), 1 / Math.sqrt(D)).view([
          b,
          HEADS,
          t,
          t,
        ]);
        const probs = softmax(where(mask, scores, -1e9), -1).view([b * HEADS, t, t]);
        contiguous(matmul(probs, flat(v)).view([b, HEADS, t, D]).permute(0, 2, 1, 3));
      });
    const fused = () => tidy(() => void scaledDotProductAttention(q, k, v, { mask }));
    fused();
    unfused();
    const tf: number[] = [];
    const tu: number[] = [];
    for (let r = 0; r < ctx.reps; r++) {
      let t0 = performance.now();
      fused();
      tf.push(performance.now() - t0);
      t0 = performance.now();
      unfused();
      tu.push(performance.now() - t0);
    }
    const name = `b${b} h${HEADS} t${t} d${D}`;
    const gflop = (4 * b * HEADS * t * t * D) / 1e9;
    const [f, u] = [median(tf), median(tu)];
    ctx.emit({ case: name, impl: 'frugal', metric: 'latency_ms', value: f, unit: 'ms' });
    ctx.emit({ case: name, impl: 'unfused', metric: 'latency_ms', value: u, unit: 'ms' });
    ctx.emit({ case: name, impl: 'frugal', metric: 'throughput', value: gflop / (f / 1e3), unit: 'GFLOP/s' });
    ctx.note(
      `${name}: fused ${f.toFixed(2)} ms, unfused ${u.toFixed(2)} ms, fused/unfused ${(f / u).toFixed(2)}x`,
    );
    for (const x of [q, k, v, mask]) x.dispose();
  }
}
