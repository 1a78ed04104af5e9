/**
 * Connectivity repair of a built graph (NSG's step, Fu et al. 2019): every live row becomes
 * reachable from the entry row. Pruning keeps only short, diverse edges, so on well-separated
 * clusters in high dimensions (all distances within a cluster nearly equal) the edges between
 * clusters can all be pruned away, and a search that starts in one cluster can never reach
 * another: on 20,000 clustered 768-d vectors 10.6% of the rows were unreachable and recall stopped
 * at 0.91 however long the candidate list. For each unreachable row the repair searches the
 * reachable graph for its nearest rows and links the nearest one that has a free slot to it (else
 * the nearest one, in place of its farthest neighbour), then marks everything the row reaches.
 */
import type { NativeGraph } from './native.js';
import { bestFirst, distanceTo, type Hit, rowVector } from './reference.js';

// A replaced edge can strand the rows behind it; each round re-checks from the entry.
const MAX_ROUNDS = 8;

/** Links unreachable live rows into the graph (in place); returns the number of edges written. */
export function connectFromEntry(g: NativeGraph, entry: number, L: number): number {
  if (entry < 0 || g.n === 0) return 0;
  let added = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const reached = new Uint8Array(g.n);
    markReachable(g, entry, reached);
    let replaced = false;
    for (let u = 0; u < g.n; u++) {
      if (reached[u] || g.deleted?.[u]) continue;
      const from = nearestReachable(g, entry, u, L);
      if (g.degrees[from.id]! < g.R) {
        g.neighbors[from.id * g.R + g.degrees[from.id]!] = u;
        g.degrees[from.id]!++;
      } else {
        g.neighbors[from.id * g.R + farthestSlot(g, from.id)] = u;
        replaced = true;
      }
      added++;
      markReachable(g, u, reached);
    }
    if (!replaced) break;
  }
  return added;
}

/** Sets reached[] for every row reachable from `start` (depth-first, iterative). */
function markReachable(g: NativeGraph, start: number, reached: Uint8Array): void {
  const stack = [start];
  reached[start] = 1;
  while (stack.length > 0) {
    const v = stack.pop()!;
    const base = v * g.R;
    for (let i = 0; i < g.degrees[v]!; i++) {
      const w = g.neighbors[base + i]!;
      if (reached[w]) continue;
      reached[w] = 1;
      stack.push(w);
    }
  }
}

/** The reachable row that should link to u: the nearest found with a free slot, else the nearest. */
function nearestReachable(g: NativeGraph, entry: number, u: number, L: number): Hit {
  const res = bestFirst(g, Float32Array.from(rowVector(g, u)), 0, [entry], 1, L, null, u);
  const found = [...res.expanded, ...res.list].sort((a, b) => a.dist - b.dist);
  return found.find((h) => g.degrees[h.id]! < g.R) ?? found[0]!;
}

function farthestSlot(g: NativeGraph, v: number): number {
  const vec = Float32Array.from(rowVector(g, v));
  let slot = 0;
  let worst = -1;
  for (let i = 0; i < g.degrees[v]!; i++) {
    const d = distanceTo(g, vec, 0, g.neighbors[v * g.R + i]!);
    if (d > worst) {
      worst = d;
      slot = i;
    }
  }
  return slot;
}
