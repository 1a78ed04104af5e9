import type { BinaryOp, CompareOp, UnaryOp } from '../backend/types.js';
import { FrugalError } from '../core/errors.js';
import { full } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import { isDType } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertLive, requireDType, requireFloat, requireSameDType, runInto } from './dispatch.js';

export type TensorLike = Tensor | number;

const FLOAT_ONLY: ReadonlySet<UnaryOp> = new Set([
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'tanh',
  'sigmoid',
  'gelu_tanh',
  'gelu_erf',
  'silu',
]);

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  assertLive(op, x);
  if (FLOAT_ONLY.has(op)) requireFloat(op, x);
  else requireDType(op, x, ['f32', 'bf16', 'f16', 'i8', 'i32']);
  return runInto('unary', x.dtype, x.shape, { op, x });
}

export const neg = (x: Tensor) => unaryOp('neg', x);
export const abs = (x: Tensor) => unaryOp('abs', x);
export const exp = (x: Tensor) => unaryOp('exp', x);
export const log = (x: Tensor) => unaryOp('log', x);
export const sqrt = (x: Tensor) => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor) => unaryOp('rsqrt', x);
export const tanh = (x: Tensor) => unaryOp('tanh', x);
export const sigmoid = (x: Tensor) => unaryOp('sigmoid', x);
export const relu = (x: Tensor) => unaryOp('relu', x);
export const silu = (x: Tensor) => unaryOp('silu', x);
/** GELU; `approximate: 'tanh'` (GPT-2/BERT style) or 'none' (exact, with erf). */
export const gelu = (x: Tensor, approximate: 'tanh' | 'none' = 'tanh') =>
  unaryOp(approximate === 'tanh' ? 'gelu_tanh' : 'gelu_erf', x);

/** Turns scalars into tensors of the other operand's dtype and broadcasts both to one shape. */
function broadcastPair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor, number[], () => void] {
  const owned: Tensor[] = [];
  for (const [field, x] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (typeof x !== 'number' && !(x instanceof Tensor)) {
      throw new FrugalError('E_ARG', `operand ${field} must be a Tensor or a number, got ${typeof x}`, {
        op,
        field,
        hint: 'for a bool tensor pass 1 or 0',
      });
    }
  }
  if (typeof a === 'number' && typeof b === 'number') {
    throw new FrugalError('E_ARG', 'at least one operand must be a tensor', { op });
  }
  const ta = typeof a === 'number' ? own(owned, full([], a, (b as Tensor).dtype)) : a;
  const tb = typeof b === 'number' ? own(owned, full([], b, ta.dtype)) : b;
  assertLive(op, ta, tb);
  requireSameDType(op, ta, tb);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const ea = own(owned, ta.expand(shape));
  const eb = own(owned, tb.expand(shape));
  return [
    ea,
    eb,
    shape,
    () =>
      owned.forEach((t) => {
        t.dispose();
      }),
  ];
}

function own(list: Tensor[], t: Tensor): Tensor {
  list.push(t);
  return t;
}

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const [ea, eb, shape, release] = broadcastPair(op, a, b);
  try {
    if (ea.dtype === 'bool') requireDType(op, ea, ['f32', 'bf16', 'f16', 'i8', 'u8', 'i32']);
    return runInto('binary', ea.dtype, shape, { op, a: ea, b: eb });
  } finally {
    release();
  }
}

export const add = (a: TensorLike, b: TensorLike) => binaryOp('add', a, b);
export const sub = (a: TensorLike, b: TensorLike) => binaryOp('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike) => binaryOp('mul', a, b);
export const div = (a: TensorLike, b: TensorLike) => binaryOp('div', a, b);
export const pow = (a: TensorLike, b: TensorLike) => binaryOp('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike) => binaryOp('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike) => binaryOp('minimum', a, b);

function compareOp(op: CompareOp, a: TensorLike, b: TensorLike): Tensor {
  const [ea, eb, shape, release] = broadcastPair(op, a, b);
  try {
    return runInto('compare', 'bool', shape, { op, a: ea, b: eb });
  } finally {
    release();
  }
}

export const eq = (a: TensorLike, b: TensorLike) => compareOp('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike) => compareOp('ne', a, b);
export const lt = (a: TensorLike, b: TensorLike) => compareOp('lt', a, b);
export const le = (a: TensorLike, b: TensorLike) => compareOp('le', a, b);
export const gt = (a: TensorLike, b: TensorLike) => compareOp('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike) => compareOp('ge', a, b);

/** Elementwise cond ? a : b with broadcasting; cond must be bool. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  assertLive('where', cond);
  requireDType('where', cond, ['bool'], 'cond');
  const [ea, eb, abShape, release] = broadcastPair('where', a, b);
  const owned: Tensor[] = [];
  try {
    const shape = broadcastShapes('where', cond.shape, abShape);
    const ec = own(owned, cond.expand(shape));
    const xa = own(owned, ea.expand(shape));
    const xb = own(owned, eb.expand(shape));
    return runInto('where', xa.dtype, shape, { cond: ec, a: xa, b: xb });
  } finally {
    owned.forEach((t) => {
      t.dispose();
    });
    release();
  }
}

/** Limits values to [min, max]; NaN stays NaN. */
export function clamp(x: Tensor, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY): Tensor {
  assertLive('clamp', x);
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) {
    throw new FrugalError('E_ARG', `clamp needs min <= max, got [${min}, ${max}]`, {
      op: 'clamp',
      shapes: [x.shape],
    });
  }
  return runInto('clamp', x.dtype, x.shape, { x, min, max });
}

/** Converts to another dtype (floats round to nearest even; integers truncate and saturate). */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertLive('cast', x);
  if (!isDType(dtype)) {
    throw new FrugalError('E_DTYPE', `unknown dtype ${JSON.stringify(dtype)}`, {
      op: 'cast',
      shapes: [x.shape],
    });
  }
  return runInto('copy', dtype, x.shape, { x });
}
