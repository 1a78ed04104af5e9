import type { OpArgs } from '../types.js';

/**
 * Row gather (embedding lookup): axis 0 of a contiguous table, contiguous indices and output.
 * Each row is one TypedArray.set (a memcpy), where the reference walks every element.
 */
export function rowGatherFits({ table, indices, axis, out }: OpArgs['gather']): boolean {
  return (
    axis === 0 && table.isContiguous && indices.isContiguous && out.isContiguous && table.dtype === out.dtype
  );
}

export function runRowGather({ table, indices, out }: OpArgs['gather']): void {
  const row = table.rank === 0 ? 1 : table.size / table.shape[0]!;
  const src = table.data;
  const dst = out.data;
  const idx = indices.data;
  for (let i = 0; i < indices.size; i++) {
    const from = table.offset + idx[indices.offset + i]! * row;
    dst.set(src.subarray(from, from + row), out.offset + i * row);
  }
}
