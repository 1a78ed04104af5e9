import type { ReduceOp } from '../backend/types.js';
import { FrugalError } from '../core/errors.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertLive, requireDType, requireFloat, runInto } from './dispatch.js';

export interface ReduceOptions {
  /** Axes to reduce (default: all). Negative axes count from the end. */
  axis?: number | readonly number[];
  /** Keep reduced axes as size 1 (default false). */
  keepDims?: boolean;
}

function reduceOp(op: ReduceOp, x: Tensor, opts: ReduceOptions, correction = 0): Tensor {
  assertLive(op, x);
  requireDType(op, x, ['f32', 'bf16', 'f16', 'i8', 'u8', 'i32']);
  const axes = normalizeAxes(op, opts.axis, x.shape);
  for (const a of axes) {
    if (x.shape[a] === 0 && op !== 'sum') {
      throw new FrugalError('E_SHAPE', `cannot take ${op} over an empty axis ${a}`, {
        op,
        shapes: [x.shape],
      });
    }
  }
  if (op === 'var' && axes.reduce((n, a) => n * x.shape[a]!, 1) <= correction) {
    throw new FrugalError(
      'E_SHAPE',
      `var with correction ${correction} needs more than ${correction} elements`,
      {
        op,
        shapes: [x.shape],
      },
    );
  }
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outDType =
    op === 'argmax' ? 'i32' : op === 'sum' || op === 'max' || op === 'min' ? x.dtype : floatOf(x);
  const out = runInto('reduce', outDType, keptShape, { op, x, axes, correction });
  if (opts.keepDims) return out;
  const finalShape = x.shape.filter((_, i) => !axes.includes(i));
  const view = out.view(finalShape);
  out.dispose();
  return view;
}

function floatOf(x: Tensor) {
  return x.dtype === 'bf16' || x.dtype === 'f16' ? x.dtype : 'f32';
}

export const sum = (x: Tensor, opts: ReduceOptions = {}) => reduceOp('sum', x, opts);
export const mean = (x: Tensor, opts: ReduceOptions = {}) => reduceOp('mean', x, opts);
export const max = (x: Tensor, opts: ReduceOptions = {}) => reduceOp('max', x, opts);
export const min = (x: Tensor, opts: ReduceOptions = {}) => reduceOp('min', x, opts);
/** Index of the first maximum along one axis (i32). */
export const argmax = (x: Tensor, axis = -1, keepDims = false) => reduceOp('argmax', x, { axis, keepDims });
/** Variance; `correction` 0 is the population variance, 1 the sample variance. */
export const variance = (x: Tensor, opts: ReduceOptions & { correction?: number } = {}) =>
  reduceOp('var', x, opts, opts.correction ?? 0);
export const logsumexp = (x: Tensor, opts: ReduceOptions = {}) => reduceOp('logsumexp', x, opts);

function softmaxOp(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  assertLive(op, x);
  requireFloat(op, x);
  const ax = normalizeAxis(op, axis, x.rank, x.shape);
  return runInto('softmax', x.dtype, x.shape, { x, axis: ax, log });
}

export const softmax = (x: Tensor, axis = -1) => softmaxOp('softmax', x, axis, false);
export const logSoftmax = (x: Tensor, axis = -1) => softmaxOp('logSoftmax', x, axis, true);
