/**
 * `VectorIndex`: a Vamana-style proximity graph (alpha-pruned, medoid entry) over f32 or int8
 * vectors. JS owns every array (flattened: vectors [n, d], neighbour lists [n, R]); the native addon
 * builds and searches in place, the TypeScript reference does the same when the addon is absent.
 */
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { connectFromEntry } from './connect.js';
import { METRIC_CODE, type Metric, normalizeRows, parseMetric } from './metric.js';
import { type NativeGraph, searchNative } from './native.js';
import { quantizeRowsInto } from './quantize.js';
import { buildInsert } from './reference.js';
import { runSearch, runSearchAsync, type SearchOptions, type SearchResult } from './search-run.js';

export type Quantization = 'none' | 'int8';
export type IdType = 'number' | 'bigint';
export type Label = number | bigint;

export type IndexKind = 'hnsw' | 'vamana';

export interface IndexOptions {
  dim: number;
  /**
   * 'vamana': one pruned graph searched from its medoid. 'hnsw' (default): the same graph plus
   * sparser levels above it (every 16th row, recursively), searched top-down to pick each
   * query's start rows, which helps on clustered data.
   */
  kind?: IndexKind;
  metric?: Metric;
  /** Maximum out-degree R of the graph (default 32). */
  degree?: number;
  /** Candidate list size L during construction (default 64). */
  buildListSize?: number;
  /**
   * Pruning slack on squared distances, >= 1 (default 1, HNSW's neighbour heuristic; forced to 1
   * for ip). The prune first keeps the candidates that no kept neighbour occludes at level 1; while
   * slots are free it raises the level 1.2x per round up to alpha and adds what is still not
   * occluded (DiskANN), so a larger alpha fills free slots with longer edges, at a slower build.
   */
  alpha?: number;
  quantization?: Quantization;
  idType?: IdType;
  /** Build threads (default: all hardware threads). */
  threads?: number;
  seed?: number;
}

export interface AddOptions {
  /** One label per vector; default: the row number. */
  labels?: ArrayLike<number> | ArrayLike<bigint>;
  onProgress?: (done: number, total: number) => void;
}

/** Everything the index holds, for persistence. */
export interface IndexParts {
  options: Required<Omit<IndexOptions, 'threads' | 'seed'>>;
  count: number;
  entry: number;
  vectors?: Float32Array;
  codes?: Int8Array;
  scales?: Float32Array;
  norms?: Float32Array;
  neighbors: Uint32Array;
  degrees: Uint32Array;
  deleted: Uint8Array;
  labels: Float64Array | BigInt64Array;
}

function positiveInt(v: number, field: string, max = 1 << 30): number {
  if (!Number.isInteger(v) || v < 1 || v > max)
    throw new FrugalError('E_ARG', `must be an integer in [1, ${max}], got ${v}`, { field });
  return v;
}

const UPPER_MIN = 2048;
const UPPER_RATIO = 16;

/** Deterministic 1-in-UPPER_RATIO choice of rows for the level above `level`. */
function sampledForUpper(row: number, level: number): boolean {
  const h = Math.imul(row ^ Math.imul(level + 1, 0x9e3779b9), 0x85ebca6b);
  return ((h ^ (h >>> 15)) >>> 0) % UPPER_RATIO === 0;
}

/** Arrays already given huge pages: the advice sticks to the memory, so once per array. */
const hugePaged = new WeakSet<object>();
/** Below two huge pages (2 MiB each) an array cannot hold an aligned one worth the call. */
const HUGE_PAGE_MIN_BYTES = 4 << 20;

/**
 * Graph search reads rows and neighbour lists at random: with 4 KiB pages nearly every read is a
 * TLB miss (a nested page walk under virtualisation). Huge pages over the large arrays made a
 * 100k x 128 best-first search about 1.2x faster on the 2-core VM used here (notes/search.md).
 */
function adviseHugePages(
  arrays: readonly (Float32Array | Uint32Array | Uint8Array | Int8Array | undefined)[],
): void {
  const native = searchNative();
  if (!native) return;
  for (const a of arrays) {
    if (a === undefined || a.byteLength < HUGE_PAGE_MIN_BYTES || hugePaged.has(a)) continue;
    hugePaged.add(a);
    native.searchHugePages(a);
  }
}

export class VectorIndex {
  readonly dim: number;
  readonly metric: Metric;
  readonly degree: number;
  readonly buildListSize: number;
  readonly alpha: number;
  readonly quantization: Quantization;
  readonly idType: IdType;
  readonly kind: IndexKind;
  threads: number;
  /** The level above (HNSW-style), whose labels are rows of this level. */
  private upper: VectorIndex | undefined;
  private level = 0;
  private upperSynced = 0;
  /** Row of this level for each row of the level above. */
  private upperLower: Uint32Array | undefined;
  private readonly rng: Rng;
  private count = 0;
  private live = 0;
  private entry = -1;
  private vectors: Float32Array | undefined;
  private codes: Int8Array | undefined;
  private scales: Float32Array | undefined;
  private norms: Float32Array | undefined;
  private neighbors: Uint32Array = new Uint32Array(0);
  private degrees: Uint32Array = new Uint32Array(0);
  private deleted: Uint8Array = new Uint8Array(0);
  private labels: Float64Array | BigInt64Array;
  private readonly rowOf = new Map<Label, number>();

  constructor(opts: IndexOptions) {
    this.dim = positiveInt(opts.dim, 'dim', 65536);
    this.metric = parseMetric(opts.metric ?? 'l2');
    this.degree = positiveInt(opts.degree ?? 32, 'degree', 1024);
    this.buildListSize = positiveInt(opts.buildListSize ?? 64, 'buildListSize', 1 << 16);
    this.alpha = this.metric === 'ip' ? 1 : (opts.alpha ?? 1);
    if (!(this.alpha >= 1 && this.alpha <= 4))
      throw new FrugalError('E_ARG', `alpha must be in [1, 4], got ${opts.alpha}`, { field: 'alpha' });
    this.quantization = opts.quantization ?? 'none';
    if (this.quantization !== 'none' && this.quantization !== 'int8')
      throw new FrugalError('E_ARG', `unknown quantization "${this.quantization}"`, {
        field: 'quantization',
        hint: 'use none or int8',
      });
    this.idType = opts.idType ?? 'number';
    this.kind = opts.kind ?? 'hnsw';
    if (this.kind !== 'hnsw' && this.kind !== 'vamana')
      throw new FrugalError('E_ARG', `unknown index kind "${this.kind}"`, {
        field: 'kind',
        hint: 'use hnsw or vamana',
      });
    this.threads = positiveInt(
      opts.threads ?? searchNative()?.searchIsa().hardwareThreads ?? 1,
      'threads',
      1024,
    );
    this.rng = new Rng(opts.seed ?? 42);
    this.labels = this.idType === 'bigint' ? new BigInt64Array(0) : new Float64Array(0);
  }

  /** Rows stored, including deleted ones not yet compacted. */
  get rows(): number {
    return this.count;
  }

  /** Live (not deleted) vectors. */
  get size(): number {
    return this.live;
  }

  get entryPoint(): number {
    return this.entry;
  }

  /** The arrays as the native addon (and the reference) read them. */
  graph(): NativeGraph {
    return {
      vectors: this.vectors,
      codes: this.codes,
      scales: this.scales,
      norms: this.norms,
      n: this.count,
      dim: this.dim,
      R: this.degree,
      metric: METRIC_CODE[this.metric],
      neighbors: this.neighbors,
      degrees: this.degrees,
      deleted: this.deleted,
      upper:
        this.upper && this.upperLower
          ? { ...this.upper.graph(), lower: this.upperLower, entry: this.upper.entry }
          : undefined,
    };
  }

  labelAt(row: number): Label {
    return this.labels[row]!;
  }

  /** Adds vectors ([m, dim], row-major) and links them into the graph. */
  add(vectors: Float32Array, opts: AddOptions = {}): void {
    const order = this.store(vectors, opts);
    const chunk = Math.max(256, Math.ceil(order.length / 50));
    const native = searchNative();
    for (let i = 0; i < order.length; i += chunk) {
      const part = order.subarray(i, Math.min(order.length, i + chunk));
      if (native)
        native.searchBuild(
          this.graph(),
          part,
          part.length,
          this.entry,
          this.buildListSize,
          this.alpha,
          this.threads,
          false,
        );
      else buildInsert(this.graph(), part, this.entry, this.buildListSize, this.alpha);
      opts.onProgress?.(i + part.length, order.length);
    }
    connectFromEntry(this.graph(), this.entry, this.buildListSize, this.threads);
    this.useHugePages();
    this.syncUpper();
  }

  /** Like {@link add}, but the graph work runs off the event loop. */
  async addAsync(vectors: Float32Array, opts: AddOptions = {}): Promise<void> {
    const native = searchNative();
    if (!native) return this.add(vectors, opts);
    const order = this.store(vectors, opts);
    const chunk = Math.max(256, Math.ceil(order.length / 50));
    for (let i = 0; i < order.length; i += chunk) {
      const part = order.subarray(i, Math.min(order.length, i + chunk));
      await native.searchBuild(
        this.graph(),
        part,
        part.length,
        this.entry,
        this.buildListSize,
        this.alpha,
        this.threads,
        true,
      );
      opts.onProgress?.(i + part.length, order.length);
    }
    connectFromEntry(this.graph(), this.entry, this.buildListSize, this.threads);
    this.useHugePages();
    this.syncUpper();
  }

  private useHugePages(): void {
    adviseHugePages([this.vectors, this.codes, this.neighbors, this.degrees]);
  }

  /** The level above this one, if the index is HNSW-style and large enough to have one. */
  get upperLevel(): VectorIndex | undefined {
    return this.upper;
  }

  /**
   * Keeps the level above in step: it holds the rows whose hash picks them (1 in 16), labelled by
   * their row here, and exists once this level has UPPER_MIN rows.
   */
  private syncUpper(): void {
    if (this.kind !== 'hnsw' || this.count < UPPER_MIN) return;
    const from = this.upper ? this.upperSynced : 0;
    if (!this.upper) {
      this.upper = new VectorIndex({
        dim: this.dim,
        metric: this.metric,
        degree: this.degree,
        buildListSize: this.buildListSize,
        alpha: this.alpha,
        quantization: this.quantization,
        threads: this.threads,
      });
      this.upper.level = this.level + 1;
    }
    const rows: number[] = [];
    for (let r = from; r < this.count; r++) if (sampledForUpper(r, this.level)) rows.push(r);
    this.upperSynced = this.count;
    if (rows.length === 0) return;
    const vecs = new Float32Array(rows.length * this.dim);
    const tmp = new Float32Array(this.dim);
    rows.forEach((r, i) => {
      vecs.set(this.rowVector(r, tmp), i * this.dim);
    });
    this.upper.add(vecs, { labels: rows });
    this.upperLower = Uint32Array.from(this.upper.parts().labels as Float64Array);
  }

  /** Marks the vector with `label` deleted: still traversed, never returned. Returns false if absent. */
  delete(label: Label): boolean {
    const row = this.rowOf.get(label);
    if (row === undefined) return false;
    this.rowOf.delete(label);
    this.deleted[row] = 1;
    this.live--;
    return true;
  }

  has(label: Label): boolean {
    return this.rowOf.has(label);
  }

  /** Search `queries` ([nq, dim]); see {@link SearchOptions}. */
  search(queries: Float32Array, opts: SearchOptions = {}): SearchResult {
    return runSearch(this, this.prepareQueries(queries), opts);
  }

  /** Like {@link search}, on a libuv worker thread (the arrays must not change until it settles). */
  searchAsync(queries: Float32Array, opts: SearchOptions = {}): Promise<SearchResult> {
    return runSearchAsync(this, this.prepareQueries(queries), opts);
  }

  /** Drops deleted rows and rebuilds the graph over the live ones (labels kept). */
  compact(opts: Pick<AddOptions, 'onProgress'> = {}): void {
    if (this.live === this.count) return;
    const keep: number[] = [];
    for (let r = 0; r < this.count; r++) if (this.deleted[r] === 0) keep.push(r);
    const vecs = new Float32Array(keep.length * this.dim);
    const tmp = new Float32Array(this.dim);
    keep.forEach((r, i) => {
      vecs.set(this.rowVector(r, tmp), i * this.dim);
    });
    const labels = keep.map((r) => this.labels[r]!);
    this.reset();
    this.add(vecs, { labels: labels as ArrayLike<number> | ArrayLike<bigint>, onProgress: opts.onProgress });
  }

  /** Stored row as f32 (dequantized for int8; normalized for cosine). */
  rowVector(row: number, out = new Float32Array(this.dim)): Float32Array {
    if (this.vectors) out.set(this.vectors.subarray(row * this.dim, (row + 1) * this.dim));
    else for (let i = 0; i < this.dim; i++) out[i] = this.scales![row]! * this.codes![row * this.dim + i]!;
    return out;
  }

  parts(): IndexParts {
    const n = this.count;
    return {
      options: {
        dim: this.dim,
        metric: this.metric,
        degree: this.degree,
        buildListSize: this.buildListSize,
        alpha: this.alpha,
        quantization: this.quantization,
        idType: this.idType,
        kind: this.kind,
      },
      count: n,
      entry: this.entry,
      vectors: this.vectors?.subarray(0, n * this.dim),
      codes: this.codes?.subarray(0, n * this.dim),
      scales: this.scales?.subarray(0, n),
      norms: this.norms?.subarray(0, n),
      neighbors: this.neighbors.subarray(0, n * this.degree),
      degrees: this.degrees.subarray(0, n),
      deleted: this.deleted.subarray(0, n),
      labels: this.labels.subarray(0, n),
    };
  }

  /** Rebuilds an index from saved parts without copying the arrays. */
  static fromParts(p: IndexParts, threads?: number, upper?: VectorIndex): VectorIndex {
    const idx = new VectorIndex({ ...p.options, threads });
    idx.count = p.count;
    idx.entry = p.entry;
    idx.vectors = p.vectors;
    idx.codes = p.codes;
    idx.scales = p.scales;
    idx.norms = p.norms;
    idx.neighbors = p.neighbors;
    idx.degrees = p.degrees;
    idx.deleted = p.deleted;
    idx.labels = p.labels;
    idx.useHugePages();
    for (let r = 0; r < p.count; r++) {
      if (p.deleted[r] === 0) {
        idx.rowOf.set(p.labels[r]!, r);
        idx.live++;
      }
    }
    // A saved level above is reused; an older or foreign file gets it rebuilt here.
    if (upper) {
      idx.upper = upper;
      upper.setLevel(1);
      idx.upperSynced = p.count;
      idx.upperLower = Uint32Array.from(upper.parts().labels as Float64Array);
    } else idx.syncUpper();
    return idx;
  }

  private setLevel(level: number): void {
    this.level = level;
    this.upper?.setLevel(level + 1);
  }

  private reset(): void {
    this.count = 0;
    this.live = 0;
    this.entry = -1;
    this.rowOf.clear();
    this.upper = undefined;
    this.upperSynced = 0;
    this.upperLower = undefined;
  }

  /** Rows of `dim` values in a non-empty Float32Array, else an E_SHAPE naming the argument. */
  private checkRows(rows: Float32Array, op: string, field: string): void {
    if (!(rows instanceof Float32Array) || rows.length === 0 || rows.length % this.dim !== 0) {
      throw new FrugalError(
        'E_SHAPE',
        `${field} must be a non-empty Float32Array of rows of ${this.dim} values`,
        {
          op,
          field,
          shapes: [[rows?.length ?? 0]],
        },
      );
    }
  }

  private prepareQueries(queries: Float32Array): Float32Array {
    this.checkRows(queries, 'search', 'queries');
    if (this.metric !== 'cosine') return queries;
    const q = Float32Array.from(queries);
    normalizeRows(q, this.dim);
    return q;
  }

  /** Validates and copies new rows into storage; returns the insertion order (entry first). */
  private store(vectors: Float32Array, opts: AddOptions): Uint32Array {
    this.checkRows(vectors, 'add', 'vectors');
    const m = vectors.length / this.dim;
    for (let i = 0; i < vectors.length; i++) {
      if (!Number.isFinite(vectors[i]!))
        throw new FrugalError(
          'E_ARG',
          `vector ${Math.floor(i / this.dim)} has a non-finite value at ${i % this.dim}`,
          {
            op: 'add',
            field: 'vectors',
          },
        );
    }
    const labels = this.checkLabels(m, opts.labels);
    const first = this.count;
    this.grow(first + m);
    // Rows past `count` may hold a compacted-away graph: new rows start unlinked and live.
    this.degrees.fill(0, first, first + m);
    this.deleted.fill(0, first, first + m);
    const rows = this.metric === 'cosine' ? Float32Array.from(vectors) : vectors;
    if (this.metric === 'cosine') normalizeRows(rows, this.dim);
    if (this.quantization === 'int8')
      quantizeRowsInto(
        rows,
        this.dim,
        { codes: this.codes!, scales: this.scales!, norms: this.norms! },
        first,
      );
    else this.vectors!.set(rows, first * this.dim);
    for (let i = 0; i < m; i++) {
      this.labels[first + i] = labels[i]!;
      this.rowOf.set(labels[i]!, first + i);
    }
    this.count += m;
    this.live += m;
    const order = Array.from({ length: m }, (_, i) => first + i);
    this.rng.shuffle(order);
    if (this.entry < 0) {
      this.entry = this.medoid(rows, first);
      order.splice(order.indexOf(this.entry), 1);
      order.unshift(this.entry);
    }
    return Uint32Array.from(order);
  }

  private checkLabels(m: number, given: AddOptions['labels']): Label[] {
    const out: Label[] = [];
    // A set, not out.includes: the list scan made add quadratic (17 s for 200,000 rows, minutes at 1M).
    const batch = new Set<Label>();
    for (let i = 0; i < m; i++) {
      const raw = given === undefined ? this.count + i : given[i];
      if (raw === undefined)
        throw new FrugalError('E_SHAPE', `got ${given?.length} labels for ${m} vectors`, {
          op: 'add',
          field: 'labels',
        });
      const label = this.idType === 'bigint' ? BigInt(raw) : Number(raw);
      if (typeof label === 'number' && !Number.isSafeInteger(label))
        throw new FrugalError('E_ARG', `label ${String(raw)} is not a safe integer`, {
          op: 'add',
          field: 'labels',
          hint: 'use idType: "bigint" for 64-bit ids',
        });
      if (this.rowOf.has(label) || batch.has(label))
        throw new FrugalError('E_ARG', `label ${String(label)} is already in the index`, {
          op: 'add',
          field: 'labels',
          hint: 'delete it first or use another label',
        });
      out.push(label);
      batch.add(label);
    }
    return out;
  }

  /** The stored row nearest to the centroid of the batch (the search entry point). */
  private medoid(rows: Float32Array, first: number): number {
    const m = rows.length / this.dim;
    const c = new Float64Array(this.dim);
    for (let i = 0; i < rows.length; i++) c[i % this.dim]! += rows[i]! / m;
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let r = 0; r < m; r++) {
      let d = 0;
      for (let i = 0; i < this.dim; i++) d += (rows[r * this.dim + i]! - c[i]!) ** 2;
      if (d < bestD) {
        bestD = d;
        best = r;
      }
    }
    return first + best;
  }

  private grow(need: number): void {
    const cap = this.degrees.length;
    if (need <= cap) return;
    const next = Math.max(need, Math.ceil(cap * 1.5), 64);
    const d = this.dim;
    const grown = <T extends Float32Array | Int8Array | Uint32Array | Uint8Array>(
      old: T | undefined,
      make: (n: number) => T,
      per: number,
    ): T => {
      const a = make(next * per);
      if (old) a.set(old.subarray(0, this.count * per) as never);
      return a;
    };
    if (this.quantization === 'int8') {
      this.codes = grown(this.codes, (n) => new Int8Array(n), d);
      this.scales = grown(this.scales, (n) => new Float32Array(n), 1);
      this.norms = grown(this.norms, (n) => new Float32Array(n), 1);
    } else {
      this.vectors = grown(this.vectors, (n) => new Float32Array(n), d);
    }
    this.neighbors = grown(this.neighbors, (n) => new Uint32Array(n), this.degree);
    this.degrees = grown(this.degrees, (n) => new Uint32Array(n), 1);
    this.deleted = grown(this.deleted, (n) => new Uint8Array(n), 1);
    const labels = this.idType === 'bigint' ? new BigInt64Array(next) : new Float64Array(next);
    labels.set(this.labels.subarray(0, this.count) as never);
    this.labels = labels;
  }
}
