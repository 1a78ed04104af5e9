/**
 * Differentiable versions of the elementwise, reduction, matmul and norm ops: each runs the
 * plain op on the values and records a node with what its VJP rule needs saved.
 */
import { FrugalError } from '../core/errors.js';
import * as ops from '../ops/index.js';
import { full } from '../tensor/creation.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { record, Variable } from './variable.js';

export type VarLike = Variable | number;

/** A plain number as a scalar constant of `like`'s dtype; the caller disposes `made` after use. */
export function liftScalar(x: VarLike, like: Variable, made: Tensor[]): Variable {
  if (typeof x !== 'number') return x;
  const t = full([], x, like.dtype);
  made.push(t);
  return new Variable(t);
}

/** Lifts plain numbers to scalar constants of the other operand's dtype; returns a cleanup. */
function lift(a: VarLike, b: VarLike, op: string): [Variable, Variable, () => void] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new FrugalError('E_ARG', 'at least one operand must be a Variable', { op });
  }
  const made: Tensor[] = [];
  const va = liftScalar(a, b as Variable, made);
  const vb = liftScalar(b, va, made);
  return [
    va,
    vb,
    () => {
      for (const t of made) t.dispose();
    },
  ];
}

const BINARY = { add: ops.add, sub: ops.sub, mul: ops.mul, div: ops.div } as const;

function binary(op: 'add' | 'sub' | 'mul' | 'div', a: VarLike, b: VarLike): Variable {
  const [va, vb, cleanup] = lift(a, b, op);
  try {
    const out = BINARY[op](va.value, vb.value);
    const needsSaved = op === 'mul' || op === 'div';
    return record(op, out, [va, vb], {}, () => (needsSaved ? [va.value, vb.value] : []));
  } finally {
    cleanup();
  }
}

export const add = (a: VarLike, b: VarLike) => binary('add', a, b);
export const sub = (a: VarLike, b: VarLike) => binary('sub', a, b);
export const mul = (a: VarLike, b: VarLike) => binary('mul', a, b);
export const div = (a: VarLike, b: VarLike) => binary('div', a, b);

/** x ** exponent for a scalar exponent. */
export function pow(x: Variable, exponent: number): Variable {
  return record('pow', ops.pow(x.value, exponent), [x], { exponent }, () => [x.value]);
}

type UnaryName = 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'sigmoid' | 'relu' | 'silu';
// Which tensor the rule needs: the input, the output, or nothing.
const UNARY_SAVES: Record<UnaryName, 'x' | 'y' | 'none'> = {
  neg: 'none',
  exp: 'y',
  log: 'x',
  sqrt: 'y',
  rsqrt: 'y',
  tanh: 'y',
  sigmoid: 'y',
  relu: 'x',
  silu: 'x',
};

const UNARY = {
  neg: ops.neg,
  exp: ops.exp,
  log: ops.log,
  sqrt: ops.sqrt,
  rsqrt: ops.rsqrt,
  tanh: ops.tanh,
  sigmoid: ops.sigmoid,
  relu: ops.relu,
  silu: ops.silu,
} as const;

function unary(op: UnaryName, x: Variable): Variable {
  const out = UNARY[op](x.value);
  const saves = UNARY_SAVES[op];
  return record(op, out, [x], {}, () => (saves === 'x' ? [x.value] : saves === 'y' ? [out] : []));
}

export const neg = (x: Variable) => unary('neg', x);
export const exp = (x: Variable) => unary('exp', x);
export const log = (x: Variable) => unary('log', x);
export const sqrt = (x: Variable) => unary('sqrt', x);
export const rsqrt = (x: Variable) => unary('rsqrt', x);
export const tanh = (x: Variable) => unary('tanh', x);
export const sigmoid = (x: Variable) => unary('sigmoid', x);
export const relu = (x: Variable) => unary('relu', x);
export const silu = (x: Variable) => unary('silu', x);

export function gelu(x: Variable, approximate: 'tanh' | 'none' = 'tanh'): Variable {
  return record('gelu', ops.gelu(x.value, approximate), [x], { approximate }, () => [x.value]);
}

function reduceAttrs(op: string, x: Variable, opts: ops.ReduceOptions) {
  return { axes: normalizeAxes(op, opts.axis, x.shape), keepDims: opts.keepDims ?? false };
}

export function sum(x: Variable, opts: ops.ReduceOptions = {}): Variable {
  return record('sum', ops.sum(x.value, opts), [x], reduceAttrs('sum', x, opts), () => []);
}

export function mean(x: Variable, opts: ops.ReduceOptions = {}): Variable {
  return record('mean', ops.mean(x.value, opts), [x], reduceAttrs('mean', x, opts), () => []);
}

/** Maximum along one axis (ties share the gradient). */
export function max(x: Variable, axis = -1, keepDims = false): Variable {
  const ax = normalizeAxis('max', axis, x.value.rank, x.shape);
  const kept = ops.max(x.value, { axis: ax, keepDims: true });
  const out = keepDims ? kept : kept.squeeze(ax);
  const v = record('max', out, [x], { axis: ax, keepDims }, () => [x.value, kept]);
  if (!keepDims) kept.dispose();
  return v;
}

export function softmax(x: Variable, axis = -1): Variable {
  const ax = normalizeAxis('softmax', axis, x.value.rank, x.shape);
  const out = ops.softmax(x.value, ax);
  return record('softmax', out, [x], { axis: ax }, () => [out]);
}

export function logSoftmax(x: Variable, axis = -1): Variable {
  const ax = normalizeAxis('logSoftmax', axis, x.value.rank, x.shape);
  const out = ops.logSoftmax(x.value, ax);
  return record('logSoftmax', out, [x], { axis: ax }, () => [out]);
}

/** Batched matmul with broadcasting over batch dims; both operands need rank >= 2. */
export function matmul(a: Variable, b: Variable, opts: ops.MatmulOptions = {}): Variable {
  if (a.value.rank < 2 || b.value.rank < 2) {
    throw new FrugalError('E_SHAPE', 'differentiable matmul needs operands of rank >= 2', {
      op: 'matmul',
      shapes: [a.shape, b.shape],
      hint: 'reshape vectors to [1, K] or [K, 1] first',
    });
  }
  const attrs = { transA: opts.transA ?? false, transB: opts.transB ?? false };
  if (b.value.rank === 2 && a.value.rank > 2 && !attrs.transA) {
    // [..., M, K] · [K, N] as one [(...·M), K] GEMM: the weight gradient is then one product too.
    const k = a.shape[a.shape.length - 1]!;
    const flat = matmul(reshapeVar(a, [-1, k]), b, attrs);
    return reshapeVar(flat, [...a.shape.slice(0, -1), flat.shape[1]!]);
  }
  return record('matmul', ops.matmul(a.value, b.value, attrs), [a, b], attrs, () => [a.value, b.value]);
}

function reshapeVar(x: Variable, shape: readonly number[]): Variable {
  return record('reshape', ops.reshape(x.value, shape), [x], {}, () => []);
}

export function layerNorm(x: Variable, gamma?: Variable, beta?: Variable, eps = 1e-5): Variable {
  const out = ops.layerNorm(x.value, gamma?.value, beta?.value, eps);
  const attrs = { eps, hasGamma: gamma !== undefined, hasBeta: beta !== undefined };
  return record('layerNorm', out, [x, gamma ?? null, beta ?? null], attrs, () =>
    gamma ? [x.value, gamma.value] : [x.value],
  );
}

export function rmsNorm(x: Variable, gamma?: Variable, eps = 1e-6): Variable {
  const out = ops.rmsNorm(x.value, gamma?.value, eps);
  return record('rmsNorm', out, [x, gamma ?? null], { eps, hasGamma: gamma !== undefined }, () =>
    gamma ? [x.value, gamma.value] : [x.value],
  );
}
