import { matmul } from '../ops/linalg.js';
import { sum } from '../ops/reduce.js';
import { contiguous, reshape } from '../ops/shape-ops.js';
import { full } from '../tensor/creation.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Sums a broadcast gradient back down to the shape of the operand that was broadcast. */
export function reduceTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return reshape(g, shape);
  if (g.dtype === 'f32' || g.dtype === 'bf16') {
    // Summing leading axes is ones[1, R] · g[R, C]: one GEMM instead of a strided reduction.
    // Other axes (grouped-query heads, broadcast tables) are first moved to the front by one
    // copy, which keeps the kept axes in order, so the result reshapes straight to `shape`.
    const prefix = axes.every((a, i) => a === i);
    const kept = g.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const front = prefix && g.isContiguous ? g : contiguous(g.permute(...axes, ...kept));
    const rows = axes.reduce((n, a) => n * g.shape[a]!, 1);
    const ones = full([1, rows], 1, g.dtype);
    const s = matmul(ones, reshape(front, [rows, -1]));
    ones.dispose();
    if (front !== g) front.dispose();
    return reshape(s, shape);
  }
  return reshape(sum(g, { axis: axes, keepDims: true }), shape);
}
