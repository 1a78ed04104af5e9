/**
 * The vector-search functions of the native addon (loaded by the shared backend loader).
 * `FRUGAL_NATIVE=0` or a missing/failed build means `searchNative()` returns undefined and the
 * index runs on the TypeScript reference.
 */
import { loadNative } from '../backend/native/binding.js';

/** The graph as the addon sees it: typed arrays owned by JS (layout in native/src/search.h). */
export interface NativeGraph {
  vectors?: Float32Array;
  codes?: Int8Array;
  scales?: Float32Array;
  norms?: Float32Array;
  n: number;
  dim: number;
  R: number;
  metric: number;
  neighbors: Uint32Array;
  degrees: Uint32Array;
  deleted?: Uint8Array;
  /** The HNSW-style level above, searched first to choose start rows (native descent). */
  upper?: NativeGraph & { lower: Uint32Array; entry: number };
}

export interface NativeQueryOptions {
  k: number;
  L: number;
  walkers: number;
  syncSteps: number;
  warmupSteps: number;
  threads: number;
  /** > 0: `entries` holds this many start rows per query instead of one shared list. */
  entriesPerQuery: number;
}

export interface SearchNative {
  searchIsa(): { active: string; level: number; hardwareThreads: number };
  searchKernel(
    level: number,
    op: 'l2' | 'dot' | 'dot_i8',
    a: Float32Array,
    b: Float32Array | Int8Array,
    d: number,
  ): number | null;
  /**
   * Asks the kernel to back the 2 MiB-aligned interior of `array` with huge pages (Linux; the
   * pages already touched are collapsed); returns the bytes covered, 0 where unsupported.
   */
  searchHugePages(array: Float32Array | Uint32Array | Uint8Array | Int8Array): number;
  searchBuild(
    graph: NativeGraph,
    order: Uint32Array,
    count: number,
    entry: number,
    L: number,
    alpha: number,
    threads: number,
    async: false,
  ): undefined;
  searchBuild(
    graph: NativeGraph,
    order: Uint32Array,
    count: number,
    entry: number,
    L: number,
    alpha: number,
    threads: number,
    async: true,
  ): Promise<void>;
  searchQuery(
    graph: NativeGraph,
    queries: Float32Array,
    nq: number,
    opts: NativeQueryOptions,
    entries: Uint32Array,
    allow: Uint8Array | null,
    outIds: Uint32Array,
    outDists: Float32Array,
    outStats: Float64Array,
    async: false,
  ): undefined;
  searchQuery(
    graph: NativeGraph,
    queries: Float32Array,
    nq: number,
    opts: NativeQueryOptions,
    entries: Uint32Array,
    allow: Uint8Array | null,
    outIds: Uint32Array,
    outDists: Float32Array,
    outStats: Float64Array,
    async: true,
  ): Promise<void>;
  searchExact(
    graph: NativeGraph,
    queries: Float32Array,
    nq: number,
    k: number,
    candidates: Uint32Array | null,
    allow: Uint8Array | null,
    outIds: Uint32Array,
    outDists: Float32Array,
    threads: number,
    async: false,
  ): undefined;
  searchExact(
    graph: NativeGraph,
    queries: Float32Array,
    nq: number,
    k: number,
    candidates: Uint32Array | null,
    allow: Uint8Array | null,
    outIds: Uint32Array,
    outDists: Float32Array,
    threads: number,
    async: true,
  ): Promise<void>;
}

let cached: SearchNative | null | undefined;
let reason = '';

/** The addon's search functions, or undefined when disabled or unavailable (see {@link searchNativeStatus}). */
export function searchNative(): SearchNative | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const load = loadNative();
  if (!load.available) {
    reason = load.reason;
    cached = null;
    return undefined;
  }
  const addon = load.addon as unknown as Partial<SearchNative>;
  if (typeof addon.searchQuery !== 'function') {
    reason = 'the addon has no search module; rebuild it with `npm run install`';
    cached = null;
    return undefined;
  }
  cached = addon as SearchNative;
  reason = `native (${cached.searchIsa().active})`;
  return cached ?? undefined;
}

/** One line saying which implementation runs searches and why. */
export function searchNativeStatus(): string {
  searchNative();
  return cached ? reason : `reference TypeScript (${reason})`;
}
