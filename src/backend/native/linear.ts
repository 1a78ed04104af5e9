import type { Tensor } from '../../tensor/tensor.js';
import type { OpArgs, WeightCache } from '../types.js';
import type { NativeAddon } from './binding.js';

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

function pack(addon: NativeAddon, weight: Tensor): Float32Array {
  const [n, k] = weight.shape as [number, number];
  const lb = weightLayout(weight)!;
  return addon.gemmF32PackB(n, k, weight.data as Float32Array, weight.offset, lb.ld, lb.trans);
}

/**
 * With a cache: the weight is packed once (the first call, or after the ISA level changed) and
 * every call multiplies by the packed copy with bias and activation applied per tile. Without one,
 * one GEMM accumulates (beta = 1) onto rows pre-set to the bias and the activation is a second
 * pass: packing per call would cost what the plain GEMM's own packing costs, without its threads.
 */
function runCached(addon: NativeAddon, args: OpArgs['linear'], cache: WeightCache): void {
  const { x, weight, bias, activation, out } = args;
  const [m, k] = x.shape as [number, number];
  const n = weight.shape[0]!;
  const call = (packed: Float32Array) =>
    addon.linearF32Packed(
      m,
      n,
      k,
      x.data as Float32Array,
      x.offset,
      Math.max(k, 1),
      packed,
      bias ? (bias.data as Float32Array).subarray(bias.offset, bias.offset + n) : null,
      activation ?? 'none',
      out.data as Float32Array,
      out.offset,
      n,
    );
  const held = cache.weight === weight && cache.prepared instanceof Float32Array ? cache.prepared : undefined;
  if (held && call(held)) return;
  const packed = pack(addon, weight);
  cache.weight = weight;
  cache.prepared = packed;
  call(packed);
}

export function runLinear(addon: NativeAddon, args: OpArgs['linear']): void {
  const { x, weight, bias, activation, cache, out } = args;
  const [m, k] = x.shape as [number, number];
  const n = weight.shape[0]!;
  if (m * n === 0) return;
  if (cache) {
    runCached(addon, args, cache);
    return;
  }
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
  if (activation) addon.unaryF32(activation, o, out.offset, o, out.offset, m * n);
}
