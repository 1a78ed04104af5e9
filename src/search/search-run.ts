/**
 * Runs queries against a `VectorIndex`: best-first (1 walker) or Speed-ANN (several walkers per
 * query), batches spread over threads, filters (with an exact fallback when a filter lets few rows
 * through), native when available, the TypeScript reference otherwise.
 */
import { FrugalError } from '../core/errors.js';
import type { Label, VectorIndex } from './graph-index.js';
import { type NativeQueryOptions, searchNative } from './native.js';
import { bestFirst, exact, type Hit, NO_ID } from './reference.js';

export interface SearchOptions {
  /** Neighbours per query (default 10). */
  k?: number;
  /** Candidate list size L, >= k: the recall/speed knob (default max(k, 64)). */
  listSize?: number;
  /** Speed-ANN walkers per query; 1 = classic best-first (default 1). */
  walkers?: number;
  /** Initial expansions per walker between synchronisations (adapted during the search; default 8). */
  syncSteps?: number;
  /** Sequential expansions before the walkers fan out (default max(2, L/24)). */
  warmupSteps?: number;
  /** Threads over the queries of a batch when walkers = 1 (default 1). */
  threads?: number;
  /** Rows allowed in results: a mask over rows, or a predicate on labels. */
  filter?: Uint8Array | ((label: Label) => boolean);
  /** Use exact search when the filter lets through less than this fraction of live rows (default 0.02). */
  exactBelow?: number;
}

export interface SearchStats {
  expansions: number;
  distances: number;
  /** Speed-ANN synchronisation rounds. */
  rounds: number;
  /** True when the filter made the search exact. */
  exact: boolean;
}

/** Results for nq queries, row-major [nq, k]; empty slots have row 0xffffffff and distance Infinity. */
export interface SearchResult {
  k: number;
  rows: Uint32Array;
  labels: Float64Array | BigInt64Array;
  distances: Float32Array;
  stats: SearchStats;
}

/** Start rows per query taken from the level above, and that level's list size (as the addon's descent). */
const UPPER_K = 4;
const UPPER_L = 4;

interface Plan {
  nq: number;
  k: number;
  native: NativeQueryOptions;
  allow: Uint8Array | null;
  exactRows: Uint32Array | null;
  entries: Uint32Array;
}

function intOpt(v: number | undefined, fallback: number, field: string, min: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min)
    throw new FrugalError('E_ARG', `must be an integer >= ${min}, got ${x}`, { op: 'search', field });
  return x;
}

function plan(index: VectorIndex, queries: Float32Array, opts: SearchOptions): Plan {
  const k = intOpt(opts.k, 10, 'k', 1);
  const L = intOpt(opts.listSize, Math.max(k, 64), 'listSize', k);
  const native: NativeQueryOptions = {
    k,
    L,
    walkers: intOpt(opts.walkers, 1, 'walkers', 1),
    syncSteps: intOpt(opts.syncSteps, 8, 'syncSteps', 1),
    warmupSteps: intOpt(opts.warmupSteps, 0, 'warmupSteps', 0),
    threads: intOpt(opts.threads, 1, 'threads', 1),
    entriesPerQuery: 0,
  };
  if (index.size === 0)
    throw new FrugalError('E_ARG', 'the index is empty', { op: 'search', hint: 'add vectors first' });
  let allow: Uint8Array | null = null;
  let exactRows: Uint32Array | null = null;
  if (opts.filter !== undefined) {
    allow = filterMask(index, opts.filter);
    const rows: number[] = [];
    for (let r = 0; r < index.rows; r++) if (allow[r] !== 0 && index.graph().deleted![r] === 0) rows.push(r);
    const exactBelow = opts.exactBelow ?? 0.02;
    if (rows.length < exactBelow * index.size || rows.length <= k) exactRows = Uint32Array.from(rows);
  }
  const nq = queries.length / index.dim;
  // The addon descends the levels above itself; the reference does it here.
  const entries =
    exactRows || searchNative() ? Uint32Array.of(index.entryPoint) : startRows(index, queries, nq, native);
  return { nq, k, native, allow, exactRows, entries };
}

/** HNSW-style descent: each query starts from its nearest rows in the level above, else the medoid. */
function startRows(
  index: VectorIndex,
  queries: Float32Array,
  nq: number,
  opts: NativeQueryOptions,
): Uint32Array {
  const up = index.upperLevel;
  if (!up || up.size === 0) return Uint32Array.of(index.entryPoint);
  const r = runSearch(up, queries, { k: UPPER_K, listSize: UPPER_L, threads: opts.threads });
  const entries = new Uint32Array(nq * UPPER_K);
  for (let i = 0; i < entries.length; i++) {
    const label = Number(r.labels[i]);
    entries[i] = Number.isNaN(label) ? index.entryPoint : label;
  }
  opts.entriesPerQuery = UPPER_K;
  return entries;
}

function filterMask(index: VectorIndex, filter: NonNullable<SearchOptions['filter']>): Uint8Array {
  if (filter instanceof Uint8Array) {
    if (filter.length !== index.rows)
      throw new FrugalError('E_SHAPE', `filter mask has ${filter.length} entries for ${index.rows} rows`, {
        op: 'search',
        field: 'filter',
        hint: 'pass one byte per stored row (index.rows), or a predicate on labels',
      });
    return filter;
  }
  const mask = new Uint8Array(index.rows);
  for (let r = 0; r < index.rows; r++) mask[r] = filter(index.labelAt(r)) ? 1 : 0;
  return mask;
}

function emptyResult(index: VectorIndex, p: Plan): SearchResult {
  const n = p.nq * p.k;
  return {
    k: p.k,
    rows: new Uint32Array(n),
    labels: index.idType === 'bigint' ? new BigInt64Array(n) : new Float64Array(n),
    distances: new Float32Array(n),
    stats: { expansions: 0, distances: 0, rounds: 0, exact: p.exactRows !== null },
  };
}

function fillLabels(index: VectorIndex, r: SearchResult): SearchResult {
  for (let i = 0; i < r.rows.length; i++) {
    const row = r.rows[i]!;
    if (row === NO_ID) {
      r.distances[i] = Number.POSITIVE_INFINITY;
      r.labels[i] = index.idType === 'bigint' ? -1n : Number.NaN;
    } else {
      r.labels[i] = index.labelAt(row);
    }
  }
  return r;
}

function referenceSearch(index: VectorIndex, queries: Float32Array, p: Plan, r: SearchResult): void {
  const g = index.graph();
  const per = p.native.entriesPerQuery;
  for (let q = 0; q < p.nq; q++) {
    const entries = per > 0 ? p.entries.subarray(q * per, (q + 1) * per) : p.entries;
    let hits: Hit[];
    if (p.exactRows) hits = exact(g, queries, q * index.dim, p.k, p.exactRows, p.allow);
    else {
      const res = bestFirst(g, queries, q * index.dim, entries, p.k, p.native.L, p.allow);
      hits = res.hits;
      r.stats.expansions += res.expanded.length;
    }
    for (let i = 0; i < p.k; i++) {
      r.rows[q * p.k + i] = hits[i]?.id ?? NO_ID;
      r.distances[q * p.k + i] = hits[i]?.dist ?? Number.POSITIVE_INFINITY;
    }
  }
}

export function runSearch(index: VectorIndex, queries: Float32Array, opts: SearchOptions): SearchResult {
  const p = plan(index, queries, opts);
  const r = emptyResult(index, p);
  const native = searchNative();
  if (!native) {
    referenceSearch(index, queries, p, r);
    return fillLabels(index, r);
  }
  const g = index.graph();
  if (p.exactRows) {
    native.searchExact(
      g,
      queries,
      p.nq,
      p.k,
      p.exactRows,
      p.allow,
      r.rows,
      r.distances,
      p.native.threads,
      false,
    );
    return fillLabels(index, r);
  }
  const stats = new Float64Array(3);
  native.searchQuery(g, queries, p.nq, p.native, p.entries, p.allow, r.rows, r.distances, stats, false);
  r.stats.expansions = stats[0]!;
  r.stats.distances = stats[1]!;
  r.stats.rounds = stats[2]!;
  return fillLabels(index, r);
}

export async function runSearchAsync(
  index: VectorIndex,
  queries: Float32Array,
  opts: SearchOptions,
): Promise<SearchResult> {
  const native = searchNative();
  if (!native) return runSearch(index, queries, opts);
  const p = plan(index, queries, opts);
  const r = emptyResult(index, p);
  const g = index.graph();
  if (p.exactRows) {
    await native.searchExact(
      g,
      queries,
      p.nq,
      p.k,
      p.exactRows,
      p.allow,
      r.rows,
      r.distances,
      p.native.threads,
      true,
    );
    return fillLabels(index, r);
  }
  const stats = new Float64Array(3);
  await native.searchQuery(g, queries, p.nq, p.native, p.entries, p.allow, r.rows, r.distances, stats, true);
  r.stats.expansions = stats[0]!;
  r.stats.distances = stats[1]!;
  r.stats.rounds = stats[2]!;
  return fillLabels(index, r);
}
