/**
 * Distances of the vector index, all "smaller is closer": l2 = squared Euclidean, ip = negative
 * inner product, cosine = 1 - cosine similarity (vectors are normalized when stored and queried).
 */
import { FrugalError } from '../core/errors.js';

export const METRICS = ['l2', 'ip', 'cosine'] as const;
export type Metric = (typeof METRICS)[number];

/** The addon's code for each metric (native/src/search.h). */
export const METRIC_CODE: { [M in Metric]: number } = { l2: 0, ip: 1, cosine: 2 };

export function parseMetric(value: string, field = 'metric'): Metric {
  if ((METRICS as readonly string[]).includes(value)) return value as Metric;
  throw new FrugalError('E_ARG', `unknown metric "${value}"`, {
    field,
    hint: `use one of ${METRICS.join(', ')}`,
  });
}

export function l2(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  d: number,
): number {
  let s = 0;
  for (let i = 0; i < d; i++) {
    const t = a[aOff + i]! - b[bOff + i]!;
    s += t * t;
  }
  return s;
}

export function dot(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  d: number,
): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[aOff + i]! * b[bOff + i]!;
  return s;
}

/** Scales each row of `rows` ([n, d]) to unit length in place; zero rows stay zero. */
export function normalizeRows(rows: Float32Array, d: number): void {
  for (let off = 0; off < rows.length; off += d) {
    const norm = Math.sqrt(dot(rows, off, rows, off, d));
    if (norm > 0) for (let i = 0; i < d; i++) rows[off + i]! /= norm;
  }
}
