import type { Tensor } from '../../tensor/tensor.js';
import type { OpArgs } from '../types.js';
import type { NativeAddon } from './binding.js';

/** Offsets and strides travel as int32; larger storages go to the reference backend. */
const INT32_MAX = 2 ** 31 - 1;

const fitsInt32 = (t: Tensor) => t.offset <= INT32_MAX && t.strides.every((s) => s >= 0 && s <= INT32_MAX);

/** f32 operands whose last axis is contiguous (every other axis may have any non-negative stride). */
export function attentionFits({ q, k, v, mask, out }: OpArgs['attention']): boolean {
  const dense = [q, k, v, out].every(
    (t) => t.dtype === 'f32' && t.rank === 4 && (t.shape[3]! <= 1 || t.strides[3] === 1) && fitsInt32(t),
  );
  return dense && (mask === undefined || (mask.dtype === 'bool' && mask.rank === 4 && fitsInt32(mask)));
}

/** Packs the geometry in the addon's order: sizes, causal, then (offset, strides) of q, k, v, out, mask. */
export function runAttention(addon: NativeAddon, args: OpArgs['attention']): void {
  const { q, k, v, mask, causal, scale, out } = args;
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const [, hk, s] = k.shape as [number, number, number, number];
  const rows = (x: Tensor) => [x.offset, x.strides[0]!, x.strides[1]!, x.strides[2]!];
  const geom = Int32Array.from([
    b,
    h,
    hk,
    t,
    s,
    d,
    v.shape[3]!,
    causal ? 1 : 0,
    ...rows(q),
    ...rows(k),
    ...rows(v),
    ...rows(out),
    ...(mask ? [...rows(mask), mask.strides[3]!] : [0, 0, 0, 0, 0]),
  ]);
  addon.attentionF32(
    q.data as Float32Array,
    k.data as Float32Array,
    v.data as Float32Array,
    out.data as Float32Array,
    mask ? (mask.data as Uint8Array) : null,
    geom,
    scale,
  );
}
