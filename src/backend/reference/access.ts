import { decodeValue, encodeValue } from '../../tensor/dtype.js';
import { forEachOffset, type Tensor } from '../../tensor/tensor.js';

/** Storage offsets of every element of a view, in row-major order. */
export function offsetsOf(t: Tensor): Int32Array {
  const out = new Int32Array(t.size);
  let i = 0;
  forEachOffset(t.shape, t.strides, t.offset, (off) => {
    out[i++] = off;
  });
  return out;
}

/** Reads the element at a storage offset as a JS number, decoding bf16/f16. */
export function reader(t: Tensor): (off: number) => number {
  const data = t.data;
  const dtype = t.dtype;
  if (dtype === 'bf16' || dtype === 'f16') return (off) => decodeValue(dtype, data[off]!);
  return (off) => data[off]!;
}

/** Writes a JS number at a storage offset, rounding or saturating to the dtype. */
export function writer(t: Tensor): (off: number, v: number) => void {
  const data = t.data;
  const dtype = t.dtype;
  if (dtype === 'f32') return (off, v) => (data[off] = v);
  return (off, v) => (data[off] = encodeValue(dtype, v));
}

/** Row-major base offsets of `t` with the listed axes collapsed to size 1. */
export function outerOffsets(t: Tensor, collapsed: readonly number[]): Int32Array {
  const shape = t.shape.map((d, i) => (collapsed.includes(i) ? 1 : d));
  const out = new Int32Array(shape.reduce((a, b) => a * b, 1));
  let i = 0;
  forEachOffset(shape, t.strides, t.offset, (off) => {
    out[i++] = off;
  });
  return out;
}
