import { FrugalError } from '../core/errors.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { forEachOffset } from '../tensor/tensor.js';
import { assertLive, requireDType, requireSameDType, runInto, runOp } from './dispatch.js';

/** Range-checks i32 indices against an axis of size `n` (negative indices are not accepted). */
function checkIndices(op: string, indices: Tensor, n: number, shapes: (readonly number[])[]): void {
  requireDType(op, indices, ['i32'], 'indices');
  const data = indices.data;
  forEachOffset(indices.shape, indices.strides, indices.offset, (off) => {
    const v = data[off]!;
    if (v < 0 || v >= n) {
      throw new FrugalError('E_INDEX', `index ${v} is out of range [0, ${n})`, { op, shapes });
    }
  });
}

/** Picks slices of `table` along `axis`: out shape = table.shape with that axis replaced by indices.shape. */
export function gather(table: Tensor, indices: Tensor, axis = 0): Tensor {
  const op = 'gather';
  assertLive(op, table, indices);
  const ax = normalizeAxis(op, axis, table.rank, table.shape);
  checkIndices(op, indices, table.shape[ax]!, [table.shape, indices.shape]);
  const shape = [...table.shape.slice(0, ax), ...indices.shape, ...table.shape.slice(ax + 1)];
  return runInto(op, table.dtype, shape, { table, indices, axis: ax });
}

/** Embedding lookup: rows of a [vocab, dim] table for i32 token ids of any shape. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  if (table.rank !== 2) {
    throw new FrugalError('E_SHAPE', 'the embedding table must be [vocab, dim]', {
      op: 'embedding',
      shapes: [table.shape, ids.shape],
    });
  }
  return gather(table, ids, 0);
}

/**
 * target[..., indices[j], ...] += src[..., j, ...] along `axis`, in place (repeated indices
 * accumulate). Returns target. This is the gradient of gather/embedding.
 */
export function scatterAdd(target: Tensor, indices: Tensor, src: Tensor, axis = 0): Tensor {
  const op = 'scatterAdd';
  assertLive(op, target, indices, src);
  requireSameDType(op, target, src);
  const ax = normalizeAxis(op, axis, target.rank, target.shape);
  if (indices.rank !== 1) {
    throw new FrugalError('E_SHAPE', 'indices must be 1-D', {
      op,
      shapes: [target.shape, indices.shape, src.shape],
    });
  }
  const expected = target.shape.map((d, i) => (i === ax ? indices.shape[0]! : d));
  if (src.rank !== target.rank || src.shape.some((d, i) => d !== expected[i])) {
    throw new FrugalError('E_SHAPE', `src must have shape [${expected.join(', ')}]`, {
      op,
      shapes: [target.shape, indices.shape, src.shape],
    });
  }
  if (!target.isContiguous) {
    throw new FrugalError('E_ARG', 'target must be contiguous (it is updated in place)', {
      op,
      shapes: [target.shape],
      hint: 'call contiguous() first',
    });
  }
  checkIndices(op, indices, target.shape[ax]!, [target.shape, indices.shape, src.shape]);
  runOp(op, { target, indices, src, axis: ax });
  return target;
}
