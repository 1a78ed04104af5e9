import { FrugalError } from '../core/errors.js';
import { normalizeAxis } from '../tensor/shape.js';
import { resolveReshape, Tensor } from '../tensor/tensor.js';
import { assertLive, requireSameDType, runInto, runOp } from './dispatch.js';

/** A contiguous tensor with the same values: the same handle's storage is shared when already contiguous. */
export function contiguous(x: Tensor): Tensor {
  assertLive('contiguous', x);
  if (x.isContiguous) return new Tensor(x.storage, x.shape, x.strides, x.offset);
  return runInto('copy', x.dtype, x.shape, { x });
}

/** A view with a new shape when the layout allows it, else a contiguous copy. One axis may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertLive('reshape', x);
  const resolved = resolveReshape('reshape', x.shape, shape);
  try {
    return x.view(resolved);
  } catch {
    const c = contiguous(x);
    const v = c.view(resolved);
    c.dispose();
    return v;
  }
}

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'concat';
  if (tensors.length === 0) throw new FrugalError('E_ARG', 'needs at least one tensor', { op });
  assertLive(op, ...tensors);
  requireSameDType(op, ...tensors);
  const first = tensors[0]!;
  const ax = normalizeAxis(op, axis, first.rank, first.shape);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new FrugalError('E_SHAPE', `all dimensions except axis ${ax} must match`, {
        op,
        shapes: tensors.map((x) => x.shape),
      });
    }
  }
  const total = tensors.reduce((n, t) => n + t.shape[ax]!, 0);
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  const out = Tensor.empty(first.dtype, shape, op);
  let start = 0;
  for (const t of tensors) {
    const n = t.shape[ax]!;
    const dst = out.slice(ax, start, start + n);
    runOp('copy', { x: t, out: dst });
    dst.dispose();
    start += n;
  }
  return out;
}

/** Splits into views along an axis: into `sections` equal parts, or parts of the listed sizes. */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const op = 'split';
  assertLive(op, x);
  const ax = normalizeAxis(op, axis, x.rank, x.shape);
  const d = x.shape[ax]!;
  let sizes: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections <= 0 || d % sections !== 0) {
      throw new FrugalError('E_ARG', `axis ${ax} of size ${d} cannot be split into ${sections} equal parts`, {
        op,
        shapes: [x.shape],
      });
    }
    sizes = new Array<number>(sections).fill(d / sections);
  } else {
    sizes = [...sections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== d) {
      throw new FrugalError('E_ARG', `sizes [${sizes}] must be non-negative and sum to ${d}`, {
        op,
        shapes: [x.shape],
      });
    }
  }
  let start = 0;
  return sizes.map((s) => {
    const v = x.slice(ax, start, start + s);
    start += s;
    return v;
  });
}

/** Joins tensors of one shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'stack';
  if (tensors.length === 0) throw new FrugalError('E_ARG', 'needs at least one tensor', { op });
  assertLive(op, ...tensors);
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new FrugalError('E_SHAPE', 'all tensors must have the same shape', {
        op,
        shapes: tensors.map((x) => x.shape),
      });
    }
  }
  const ax = normalizeAxis(op, axis, first.rank + 1, first.shape);
  const expanded = tensors.map((t) => t.unsqueeze(ax));
  try {
    return concat(expanded, ax);
  } finally {
    expanded.forEach((t) => {
      t.dispose();
    });
  }
}
