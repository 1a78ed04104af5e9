import type { Tensor } from '../../tensor/tensor.js';
import type { OpArgs } from '../types.js';
import type { NativeAddon } from './binding.js';

/**
 * Linear layer as one GEMM: the output rows are first set to the bias, then the GEMM accumulates
 * into them (beta = 1), so the bias costs no separate pass over a fresh [M, N] tensor.
 */
/** How the GEMM reads op(B) = weightᵀ [K, N] from weight [N, K]'s strides (as matrixLayout does). */
function weightLayout(w: Tensor): { trans: boolean; ld: number } | undefined {
  const [n, k] = w.shape as [number, number];
  const [s0, s1] = w.strides as [number, number];
  if (k <= 1 || s1 === 1) {
    const ld = n <= 1 ? Math.max(k, 1) : s0;
    if (n <= 1 || ld >= Math.max(k, 1)) return { trans: true, ld };
  }
  if (n <= 1 || s0 === 1) {
    const ld = k <= 1 ? Math.max(n, 1) : s1;
    if (k <= 1 || ld >= Math.max(n, 1)) return { trans: false, ld };
  }
  return undefined;
}

export function linearFits({ x, weight, bias, out }: OpArgs['linear']): boolean {
  return (
    [x, weight, out, ...(bias ? [bias] : [])].every((t) => t.dtype === 'f32') &&
    x.isContiguous &&
    out.isContiguous &&
    (bias === undefined || bias.isContiguous) &&
    weightLayout(weight) !== undefined
  );
}

export function runLinear(addon: NativeAddon, { x, weight, bias, out }: OpArgs['linear']): void {
  const [m, k] = x.shape as [number, number];
  const n = weight.shape[0]!;
  if (m * n === 0) return;
  const o = out.data as Float32Array;
  if (bias) {
    const row = (bias.data as Float32Array).subarray(bias.offset, bias.offset + n);
    for (let i = 0; i < m; i++) o.set(row, out.offset + i * n);
  }
  const lb = weightLayout(weight)!;
  addon.gemmF32(
    m,
    n,
    k,
    1,
    x.data as Float32Array,
    x.offset,
    Math.max(k, 1),
    false,
    0,
    weight.data as Float32Array,
    weight.offset,
    lb.ld,
    lb.trans,
    0,
    o,
    out.offset,
    n,
    m * n,
    1,
    bias ? 1 : 0,
  );
}
