import type { BinaryOp, CompareOp, Kernel, UnaryOp } from '../types.js';
import { offsetsOf, reader, writer } from './access.js';
import { geluErf, geluTanh, sigmoid, silu } from './scalar-math.js';

const UNARY: { [K in UnaryOp]: (x: number) => number } = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : 0),
  gelu_tanh: geluTanh,
  gelu_erf: geluErf,
  silu,
};

const BINARY: { [K in BinaryOp]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
};

const COMPARE: { [K in CompareOp]: (a: number, b: number) => boolean } = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

/** Integer dtypes keep integer semantics: division truncates toward zero. */
function integerResult(op: BinaryOp, v: number): number {
  return op === 'div' ? Math.trunc(v) : v;
}

export const unary: Kernel<'unary'> = ({ op, x, out }) => {
  const f = UNARY[op];
  const xo = offsetsOf(x);
  const read = reader(x);
  const write = writer(out);
  for (let i = 0; i < xo.length; i++) write(out.offset + i, f(read(xo[i]!)));
};

export const binary: Kernel<'binary'> = ({ op, a, b, out }) => {
  const f = BINARY[op];
  const isInt = out.dtype === 'i32' || out.dtype === 'i8' || out.dtype === 'u8';
  const ao = offsetsOf(a);
  const bo = offsetsOf(b);
  const ra = reader(a);
  const rb = reader(b);
  const write = writer(out);
  for (let i = 0; i < ao.length; i++) {
    const v = f(ra(ao[i]!), rb(bo[i]!));
    write(out.offset + i, isInt ? integerResult(op, v) : v);
  }
};

export const compare: Kernel<'compare'> = ({ op, a, b, out }) => {
  const f = COMPARE[op];
  const ao = offsetsOf(a);
  const bo = offsetsOf(b);
  const ra = reader(a);
  const rb = reader(b);
  const data = out.data;
  for (let i = 0; i < ao.length; i++) data[out.offset + i] = f(ra(ao[i]!), rb(bo[i]!)) ? 1 : 0;
};

export const where: Kernel<'where'> = ({ cond, a, b, out }) => {
  const co = offsetsOf(cond);
  const ao = offsetsOf(a);
  const bo = offsetsOf(b);
  const rc = reader(cond);
  const ra = reader(a);
  const rb = reader(b);
  const write = writer(out);
  for (let i = 0; i < co.length; i++) write(out.offset + i, rc(co[i]!) !== 0 ? ra(ao[i]!) : rb(bo[i]!));
};

export const clamp: Kernel<'clamp'> = ({ x, min, max, out }) => {
  const xo = offsetsOf(x);
  const read = reader(x);
  const write = writer(out);
  for (let i = 0; i < xo.length; i++) {
    const v = read(xo[i]!);
    write(out.offset + i, Number.isNaN(v) ? v : v < min ? min : v > max ? max : v);
  }
};

export const copy: Kernel<'copy'> = ({ x, out }) => {
  const xo = offsetsOf(x);
  const oo = out.isContiguous ? undefined : offsetsOf(out);
  const at = (i: number) => (oo ? oo[i]! : out.offset + i);
  if (x.dtype === out.dtype) {
    const src = x.data;
    const dst = out.data;
    for (let i = 0; i < xo.length; i++) dst[at(i)] = src[xo[i]!]!;
    return;
  }
  const read = reader(x);
  const write = writer(out);
  for (let i = 0; i < xo.length; i++) write(at(i), read(xo[i]!));
};
