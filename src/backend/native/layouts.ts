import type { Tensor } from '../../tensor/tensor.js';

/**
 * Layout analysis that maps tensor views onto the native kernels' simple addressing:
 * (leading dimension, transposed?) matrices, one batch stride, broadcast rows/columns.
 */

/** A [rows, cols] matrix in the last two axes as row-major (ld = row stride) or transposed storage. */
export function matrixLayout(
  t: Tensor,
  rows: number,
  cols: number,
): { trans: boolean; ld: number } | undefined {
  const r = t.rank;
  const sr = t.strides[r - 2]!;
  const sc = t.strides[r - 1]!;
  if (cols <= 1 || sc === 1) {
    const ld = rows <= 1 ? Math.max(cols, 1) : sr;
    if (rows <= 1 || ld >= Math.max(cols, 1)) return { trans: false, ld };
  }
  if (rows <= 1 || sr === 1) {
    const ld = cols <= 1 ? Math.max(rows, 1) : sc;
    if (cols <= 1 || ld >= Math.max(rows, 1)) return { trans: true, ld };
  }
  return undefined;
}

/**
 * The single stride that steps through all batch matrices (the axes before the last two), or
 * undefined when the batch axes cannot be flattened into one stride. 0 means broadcast.
 */
export function uniformBatchStride(t: Tensor): number | undefined {
  const nb = t.rank - 2;
  if (nb <= 0) return 0;
  const dims = t.shape.slice(0, nb);
  const strides = t.strides.slice(0, nb);
  const live = dims.map((d, i) => [d, strides[i]!] as const).filter(([d]) => d > 1);
  if (live.length === 0) return 0;
  const unit = live[live.length - 1]![1];
  let expected = unit;
  for (let i = live.length - 1; i >= 0; i--) {
    if (live[i]![1] !== expected) return undefined;
    expected *= live[i]![0];
  }
  return unit;
}

/**
 * How `b` (already broadcast to `a`'s shape) repeats over the contiguous `a`: b[(i / inner) % bLen]
 * with b's own elements contiguous. Covers same-shape, scalar, row-vector and column-vector operands.
 */
export function binaryPlan(a: Tensor, b: Tensor): { bLen: number; inner: number } | undefined {
  if (!a.isContiguous) return undefined;
  const live = b.shape.map((d, i) => ({ d, s: b.strides[i]!, i })).filter(({ d, s }) => d > 1 && s !== 0);
  if (live.length === 0) return { bLen: 1, inner: 1 };
  const first = live[0]!.i;
  const last = live[live.length - 1]!.i;
  let expected = 1;
  for (let i = last; i >= first; i--) {
    const d = b.shape[i]!;
    if (d === 1) continue;
    if (b.strides[i] !== expected) return undefined;
    expected *= d;
  }
  const inner = b.shape.slice(last + 1).reduce((x, y) => x * y, 1);
  return { bLen: expected, inner };
}

/** Rows and columns when the reduced axes are all the trailing axes of a contiguous tensor. */
export function reduceRows(x: Tensor, axes: readonly number[]): { rows: number; cols: number } | undefined {
  const first = x.rank - axes.length;
  if (!axes.every((a, i) => a === first + i)) return undefined;
  const cols = x.shape.slice(first).reduce((p, d) => p * d, 1);
  return { rows: cols === 0 ? 0 : x.size / cols, cols };
}
