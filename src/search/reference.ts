/**
 * The plain-TypeScript reference of the index's algorithms — best-first search, exact search and
 * Vamana insertion — used when the addon is unavailable and as the oracle the native code is
 * tested against. Same layout and semantics as native/src/search*.cc, single-threaded.
 */
import { dot, l2, METRIC_CODE } from './metric.js';
import type { NativeGraph } from './native.js';

export const NO_ID = 0xffffffff;

export interface Hit {
  dist: number;
  id: number;
}

/** Distance from query `q` (offset `qOff`) to stored row `id`. */
export function distanceTo(g: NativeGraph, q: ArrayLike<number>, qOff: number, id: number): number {
  let ip: number;
  if (g.codes) {
    let s = 0;
    const base = id * g.dim;
    for (let i = 0; i < g.dim; i++) s += q[qOff + i]! * g.codes[base + i]!;
    ip = s * g.scales![id]!;
    if (g.metric === METRIC_CODE.l2) return dot(q, qOff, q, qOff, g.dim) - 2 * ip + g.norms![id]!;
  } else {
    if (g.metric === METRIC_CODE.l2) return l2(q, qOff, g.vectors!, id * g.dim, g.dim);
    ip = dot(q, qOff, g.vectors!, id * g.dim, g.dim);
  }
  return g.metric === METRIC_CODE.ip ? -ip : 1 - ip;
}

function accept(g: NativeGraph, allow: Uint8Array | null, id: number): boolean {
  return (g.deleted === undefined || g.deleted[id] === 0) && (allow === null || allow[id] !== 0);
}

/** Sorted insert into a bounded list; returns the position or -1 when rejected. */
function insert(list: Hit[], checked: boolean[], cap: number, dist: number, id: number): number {
  if (list.length >= cap && dist >= list[list.length - 1]!.dist) return -1;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.dist <= dist) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, { dist, id });
  checked.splice(lo, 0, false);
  if (list.length > cap) {
    list.pop();
    checked.pop();
  }
  return lo;
}

export interface BestFirstResult {
  hits: Hit[];
  /** Every expanded node with its distance (Vamana's visited set). */
  expanded: Hit[];
  /** The final candidate list. */
  list: Hit[];
}

/** Best-first search from `entries` with list size L; returns the top-k accepted hits. */
export function bestFirst(
  g: NativeGraph,
  q: ArrayLike<number>,
  qOff: number,
  entries: ArrayLike<number>,
  k: number,
  L: number,
  allow: Uint8Array | null = null,
  skip = -1,
): BestFirstResult {
  const cap = Math.max(L, k);
  const visited = new Set<number>();
  if (skip >= 0) visited.add(skip);
  const list: Hit[] = [];
  const checked: boolean[] = [];
  const hits: Hit[] = [];
  const expanded: Hit[] = [];
  const offer = (dist: number, id: number) => {
    if (accept(g, allow, id)) insert(hits, [], k, dist, id);
  };
  for (let e = 0; e < entries.length; e++) {
    const id = entries[e]!;
    if (id >= g.n || visited.has(id)) continue;
    visited.add(id);
    const d = distanceTo(g, q, qOff, id);
    insert(list, checked, cap, d, id);
    offer(d, id);
  }
  let cur = 0;
  while (cur < list.length) {
    if (checked[cur]) {
      cur++;
      continue;
    }
    checked[cur] = true;
    const node = list[cur]!.id;
    expanded.push(list[cur]!);
    let next = list.length;
    for (let j = 0; j < g.degrees[node]!; j++) {
      const id = g.neighbors[node * g.R + j]!;
      if (visited.has(id)) continue;
      visited.add(id);
      const d = distanceTo(g, q, qOff, id);
      offer(d, id);
      const pos = insert(list, checked, cap, d, id);
      if (pos >= 0 && pos < next) next = pos;
    }
    cur = next <= cur ? next : cur + 1;
  }
  return { hits, expanded, list: list.filter((_, i) => !checked[i]) };
}

/** Exact top-k over all rows (or `candidates`), skipping deleted and filtered-out rows. */
export function exact(
  g: NativeGraph,
  q: ArrayLike<number>,
  qOff: number,
  k: number,
  candidates: Uint32Array | null = null,
  allow: Uint8Array | null = null,
): Hit[] {
  const hits: Hit[] = [];
  const n = candidates ? candidates.length : g.n;
  for (let c = 0; c < n; c++) {
    const id = candidates ? candidates[c]! : c;
    if (accept(g, allow, id)) insert(hits, [], k, distanceTo(g, q, qOff, id), id);
  }
  return hits;
}

export function rowVector(g: NativeGraph, id: number): Float32Array {
  if (g.vectors) return g.vectors.subarray(id * g.dim, (id + 1) * g.dim);
  const v = new Float32Array(g.dim);
  for (let i = 0; i < g.dim; i++) v[i] = g.scales![id]! * g.codes![id * g.dim + i]!;
  return v;
}

/**
 * Alpha-robust prune of `cands` (distances to point p) down to at most R ids, in rounds of rising
 * occlusion level as in native `RobustPrune`: a = 1 first, then 1.2x per round up to alpha while
 * fewer than R are kept.
 */
export function robustPrune(g: NativeGraph, p: number, cands: Hit[], alpha: number): number[] {
  cands.sort((a, b) => a.dist - b.dist);
  const out: number[] = [];
  const nearestKept = cands.map(() => Infinity);
  const folded = cands.map(() => 0);
  const kept = new Set<number>();
  for (let a = 1; ; a = Math.min(alpha, Math.fround(a * 1.2))) {
    for (let i = 0; i < cands.length && out.length < g.R; i++) {
      const c = cands[i]!;
      if (kept.has(i) || c.id === p || out.includes(c.id)) continue;
      const cv = rowVector(g, c.id);
      let occluded = a * nearestKept[i]! <= c.dist;
      while (!occluded && folded[i]! < out.length) {
        const r = out[folded[i]!]!;
        folded[i] = folded[i]! + 1;
        nearestKept[i] = Math.min(nearestKept[i]!, distanceTo(g, cv, 0, r));
        occluded = a * nearestKept[i]! <= c.dist;
      }
      if (!occluded) {
        out.push(c.id);
        kept.add(i);
      }
    }
    if (out.length >= g.R || a >= alpha) break;
  }
  return out;
}

/** Inserts rows `order` into the graph one by one (Vamana), like native BuildInsert with one thread. */
export function buildInsert(
  g: NativeGraph,
  order: ArrayLike<number>,
  entry: number,
  L: number,
  alpha: number,
): void {
  for (let i = 0; i < order.length; i++) {
    const p = order[i]!;
    const pv = Float32Array.from(rowVector(g, p));
    const res = bestFirst(g, pv, 0, [entry], 1, L, null, p);
    const out = robustPrune(g, p, [...res.expanded, ...res.list], alpha);
    g.neighbors.set(out, p * g.R);
    g.degrees[p] = out.length;
    for (const j of out) {
      const dj = g.degrees[j]!;
      const lj = g.neighbors.subarray(j * g.R, j * g.R + dj);
      if (lj.includes(p)) continue;
      if (dj < g.R) {
        g.neighbors[j * g.R + dj] = p;
        g.degrees[j] = dj + 1;
        continue;
      }
      const jv = rowVector(g, j);
      const cands = [...lj, p].map((id) => ({ dist: distanceTo(g, jv, 0, id), id }));
      const pruned = robustPrune(g, j, cands, alpha);
      g.neighbors.set(pruned, j * g.R);
      g.degrees[j] = pruned.length;
    }
  }
}
