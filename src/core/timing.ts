import { performance } from 'node:perf_hooks';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

/**
 * Times `fn` (after `warmup` untimed calls) `reps` times, each timing covering enough inner
 * iterations to last at least `minMs`; returns the median seconds per call. Medians, because
 * the machines are shared and noisy.
 */
export async function timeMedian(
  fn: () => unknown | Promise<unknown>,
  opts: { reps?: number; warmup?: number; minMs?: number } = {},
): Promise<number> {
  const { reps = 5, warmup = 1, minMs = 50 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    const dt = performance.now() - t0;
    if (dt >= minMs || inner >= 1 << 20) break;
    inner = Math.max(inner * 2, Math.ceil((inner * minMs) / Math.max(dt, 0.01)));
  }
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  return median(samples);
}
