import type { Tensor } from '../../tensor/tensor.js';
import type { OpArgs } from '../types.js';
import type { NativeAddon } from './binding.js';

/** A contiguous tensor as [outer, rows, inner] around `axis`. */
export function aroundAxis(t: Tensor, axis: number): { outer: number; rows: number; inner: number } {
  const prod = (dims: readonly number[]) => dims.reduce((n, d) => n * d, 1);
  return {
    outer: prod(t.shape.slice(0, axis)),
    rows: t.shape[axis]!,
    inner: prod(t.shape.slice(axis + 1)),
  };
}

const nativeGather = ({ table, indices }: OpArgs['gather']) =>
  table.dtype === 'f32' && indices.dtype === 'i32';

/**
 * Gather along any axis of contiguous f32 tables with i32 indices (embedding lookups) runs in the
 * addon; other dtypes along axis 0, one TypedArray.set (a memcpy) per row, where the reference
 * walks every element.
 */
export function rowGatherFits(args: OpArgs['gather']): boolean {
  const { table, indices, axis, out } = args;
  return (
    (axis === 0 || nativeGather(args)) &&
    table.isContiguous &&
    indices.isContiguous &&
    out.isContiguous &&
    table.dtype === out.dtype
  );
}

export function runRowGather(addon: NativeAddon, args: OpArgs['gather']): void {
  const { table, indices, axis, out } = args;
  if (nativeGather(args)) {
    const { outer, rows, inner } = aroundAxis(table, axis);
    addon.gatherRowsF32(
      table.data as Float32Array,
      table.offset,
      outer,
      rows,
      inner,
      indices.data as Int32Array,
      indices.offset,
      indices.size,
      out.data as Float32Array,
      out.offset,
    );
    return;
  }
  const row = table.rank === 0 ? 1 : table.size / table.shape[0]!;
  const src = table.data;
  const dst = out.data;
  const idx = indices.data;
  for (let i = 0; i < indices.size; i++) {
    const from = table.offset + idx[indices.offset + i]! * row;
    dst.set(src.subarray(from, from + row), out.offset + i * row);
  }
}
