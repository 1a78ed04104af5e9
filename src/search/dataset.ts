/**
 * Evaluation data and metrics in the ann-benchmarks manner: seeded clustered Gaussian vectors,
 * exact ground truth, and recall@k with a distance tolerance (a returned neighbour counts when its
 * distance is within 1e-3 of the true k-th distance, so ties do not cost recall).
 */
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { METRIC_CODE, type Metric, normalizeRows } from './metric.js';
import { type NativeGraph, searchNative } from './native.js';
import { exact } from './reference.js';

export interface ClusteredOptions {
  n: number;
  dim: number;
  clusters?: number;
  /** Spread of points around their centre relative to the spread of centres (default 0.35). */
  spread?: number;
  seed?: number;
}

/** n points in `clusters` Gaussian blobs; queries come from the same distribution (another seed). */
export function clusteredVectors(o: ClusteredOptions): Float32Array {
  const clusters = o.clusters ?? 64;
  const spread = o.spread ?? 0.35;
  const centres = new Rng(o.seed === undefined ? 1 : 7919);
  const c = new Float32Array(clusters * o.dim);
  for (let i = 0; i < c.length; i++) c[i] = centres.normal();
  const rng = new Rng(o.seed ?? 0);
  const out = new Float32Array(o.n * o.dim);
  for (let r = 0; r < o.n; r++) {
    const k = rng.int(clusters);
    for (let i = 0; i < o.dim; i++) out[r * o.dim + i] = c[k * o.dim + i]! + spread * rng.normal();
  }
  return out;
}

/**
 * Splits a real data set the ann-benchmarks way: `nq` rows picked by a seeded shuffle become the
 * queries and the remaining rows (in their original order) the indexed data, so no query finds
 * itself.
 */
export function holdOutQueries(
  vectors: Float32Array,
  dim: number,
  nq: number,
  seed = 0,
): { data: Float32Array; queries: Float32Array } {
  const n = vectors.length / dim;
  if (!Number.isInteger(nq) || nq < 1 || nq >= n)
    throw new FrugalError('E_ARG', `cannot hold out ${nq} queries from ${n} vectors`, {
      op: 'holdOutQueries',
      field: 'queries',
      hint: `ask for between 1 and ${n - 1} queries, or pass a separate query file`,
    });
  const rows = Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed);
  for (let i = 0; i < nq; i++) {
    const j = i + rng.int(n - i);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const isQuery = new Uint8Array(n);
  const queries = new Float32Array(nq * dim);
  rows.slice(0, nq).forEach((r, q) => {
    isQuery[r] = 1;
    queries.set(vectors.subarray(r * dim, (r + 1) * dim), q * dim);
  });
  const data = new Float32Array((n - nq) * dim);
  for (let r = 0, at = 0; r < n; r++)
    if (!isQuery[r]) data.set(vectors.subarray(r * dim, (r + 1) * dim), at++ * dim);
  return { data, queries };
}

export interface GroundTruth {
  k: number;
  rows: Uint32Array;
  distances: Float32Array;
}

/** Exact k nearest rows of each query (brute force; native and threaded when available). */
export function groundTruth(
  data: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
  metric: Metric = 'l2',
  threads = 1,
): GroundTruth {
  const vectors = metric === 'cosine' ? Float32Array.from(data) : data;
  const q = metric === 'cosine' ? Float32Array.from(queries) : queries;
  if (metric === 'cosine') {
    normalizeRows(vectors, dim);
    normalizeRows(q, dim);
  }
  const n = data.length / dim;
  const nq = queries.length / dim;
  const g: NativeGraph = {
    vectors,
    n,
    dim,
    R: 0,
    metric: METRIC_CODE[metric],
    neighbors: new Uint32Array(0),
    degrees: new Uint32Array(n),
  };
  const rows = new Uint32Array(nq * k);
  const distances = new Float32Array(nq * k);
  const native = searchNative();
  if (native) native.searchExact(g, q, nq, k, null, null, rows, distances, threads, false);
  else {
    for (let i = 0; i < nq; i++) {
      exact(g, q, i * dim, k).forEach((h, j) => {
        rows[i * k + j] = h.id;
        distances[i * k + j] = h.dist;
      });
    }
  }
  return { k, rows, distances };
}

/** Mean recall@k of `distances` ([nq, kOut] with kOut >= k) against the truth, ann-benchmarks style. */
export function recallAtK(
  distances: Float32Array,
  kOut: number,
  truth: GroundTruth,
  k = truth.k,
  epsilon = 1e-3,
): number {
  const nq = truth.distances.length / truth.k;
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    const threshold = truth.distances[q * truth.k + k - 1]! + epsilon;
    for (let i = 0; i < k; i++) if (distances[q * kOut + i]! <= threshold) hits++;
  }
  return hits / (nq * k);
}
