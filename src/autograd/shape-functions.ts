/** Differentiable views, joins, indexing, selection and the fused cross-entropy loss. */
import { FrugalError } from '../core/errors.js';
import * as ops from '../ops/index.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { forEachOffset } from '../tensor/tensor.js';
import { liftScalar, type VarLike } from './functions.js';
import { record, type Variable } from './variable.js';

export function reshape(x: Variable, shape: readonly number[]): Variable {
  return record('reshape', ops.reshape(x.value, shape), [x], {}, () => []);
}

/** Broadcasts size-1 (and new leading) dims; the gradient sums back. */
export function expand(x: Variable, shape: readonly number[]): Variable {
  return record('expand', x.value.expand(shape), [x], {}, () => []);
}

export function permute(x: Variable, ...axes: number[]): Variable {
  const out = x.value.permute(...axes);
  const norm = axes.map((a) => normalizeAxis('permute', a, x.value.rank, x.shape));
  return record('permute', out, [x], { axes: norm }, () => []);
}

export function transpose(x: Variable, a = -2, b = -1): Variable {
  const r = x.value.rank;
  const axes = x.shape.map((_, i) => i);
  const i = normalizeAxis('transpose', a, r, x.shape);
  const j = normalizeAxis('transpose', b, r, x.shape);
  axes[i] = j;
  axes[j] = i;
  return permute(x, ...axes);
}

/** Elements [start, end) with step along one axis (a view; the gradient scatters back). */
export function slice(x: Variable, axis: number, start: number, end?: number, step = 1): Variable {
  const out = x.value.slice(axis, start, end, step);
  const ax = normalizeAxis('slice', axis, x.value.rank, x.shape);
  const d = x.shape[ax]!;
  const s = Math.min(d, Math.max(0, start < 0 ? start + d : start));
  return record('slice', out, [x], { axis: ax, start: s, count: out.shape[ax]!, step }, () => []);
}

export function concat(xs: readonly Variable[], axis = 0): Variable {
  const out = ops.concat(
    xs.map((x) => x.value),
    axis,
  );
  const ax = normalizeAxis('concat', axis, out.rank, out.shape);
  return record('concat', out, [...xs], { axis: ax, sizes: xs.map((x) => x.shape[ax]!) }, () => []);
}

/** Splits into equal parts or listed sizes along an axis (differentiable slices). */
export function split(x: Variable, sections: number | readonly number[], axis = 0): Variable[] {
  const ax = normalizeAxis('split', axis, x.value.rank, x.shape);
  const parts = ops.split(x.value, sections, ax);
  let start = 0;
  return parts.map((p) => {
    const n = p.shape[ax]!;
    p.dispose();
    start += n;
    return slice(x, ax, start - n, start);
  });
}

/** Picks slices of `table` along `axis` by i32 indices (the gradient scatter-adds). */
export function gather(table: Variable, indices: Tensor, axis = 0): Variable {
  const out = ops.gather(table.value, indices, axis);
  const ax = normalizeAxis('gather', axis, table.value.rank, table.shape);
  return record('gather', out, [table], { axis: ax }, () => [indices]);
}

export function embedding(table: Variable, ids: Tensor): Variable {
  if (table.value.rank !== 2) {
    throw new FrugalError('E_SHAPE', 'the embedding table must be [vocab, dim]', {
      op: 'embedding',
      shapes: [table.shape, ids.shape],
    });
  }
  return gather(table, ids, 0);
}

/** cond ? a : b (cond is a bool tensor, not differentiable); gradients flow to a and b. */
export function where(cond: Tensor, a: VarLike, b: VarLike): Variable {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new FrugalError('E_ARG', 'at least one of a, b must be a Variable', { op: 'where' });
  }
  const made: Tensor[] = [];
  const va = liftScalar(a, typeof a === 'number' ? (b as Variable) : a, made);
  const vb = liftScalar(b, va, made);
  try {
    return record('where', ops.where(cond, va.value, vb.value), [va, vb], {}, () => [cond]);
  } finally {
    for (const t of made) t.dispose();
  }
}

/** Mean cross-entropy of logits [N, C] against i32 class targets [N] (softmax fused in). */
export function crossEntropy(logits: Variable, targets: Tensor): Variable {
  const op = 'crossEntropy';
  if (logits.value.rank !== 2 || logits.shape[0] === 0) {
    throw new FrugalError('E_SHAPE', 'logits must be [N, C] with N > 0', { op, shapes: [logits.shape] });
  }
  const [n, c] = logits.shape as [number, number];
  if (targets.dtype !== 'i32' || targets.rank !== 1 || targets.shape[0] !== n) {
    throw new FrugalError('E_SHAPE', `targets must be i32 [${n}] (one class index per row)`, {
      op,
      shapes: [logits.shape, targets.shape],
      field: 'targets',
    });
  }
  const data = targets.data;
  forEachOffset(targets.shape, targets.strides, targets.offset, (off) => {
    const t = data[off]!;
    if (t < 0 || t >= c) {
      throw new FrugalError('E_INDEX', `target ${t} is out of range [0, ${c})`, { op, field: 'targets' });
    }
  });
  const loss = tidy(() => {
    const lsm = ops.logSoftmax(logits.value, 1);
    // Each row's target entry of the flattened log-probabilities, without an [N, C] one-hot.
    const at = Int32Array.from(targets.toFlatArray(), (t, i) => i * c + t);
    const picked = ops.gather(ops.reshape(lsm, [n * c]), tensor(at));
    return ops.div(ops.neg(ops.sum(picked)), n);
  });
  return record(op, loss, [logits], {}, () => [logits.value, targets]);
}
