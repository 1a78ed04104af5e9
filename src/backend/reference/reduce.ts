import { forEachOffset } from '../../tensor/tensor.js';
import type { Kernel, ReduceOp } from '../types.js';
import { outerOffsets, reader, writer } from './access.js';

/** Combines the values of one reduced group (in row-major order) into one result. */
const REDUCERS: { [K in ReduceOp]: (v: Float64Array, correction: number) => number } = {
  sum: (v) => v.reduce((s, x) => s + x, 0),
  mean: (v) => v.reduce((s, x) => s + x, 0) / v.length,
  max: (v) =>
    v.some(Number.isNaN) ? Number.NaN : v.reduce((m, x) => (x > m ? x : m), Number.NEGATIVE_INFINITY),
  min: (v) =>
    v.some(Number.isNaN) ? Number.NaN : v.reduce((m, x) => (x < m ? x : m), Number.POSITIVE_INFINITY),
  argmax: (v) => {
    let best = 0;
    for (let i = 1; i < v.length; i++)
      if (v[i]! > v[best]! || (Number.isNaN(v[i]!) && !Number.isNaN(v[best]!))) best = i;
    return best;
  },
  var: (v, correction) => {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return v.reduce((s, x) => s + (x - mean) * (x - mean), 0) / (v.length - correction);
  },
  logsumexp: (v) => {
    const m = v.reduce((a, x) => (x > a ? x : a), Number.NEGATIVE_INFINITY);
    if (!Number.isFinite(m)) return m;
    return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
  },
};

export const reduce: Kernel<'reduce'> = ({ op, x, axes, correction, out }) => {
  const f = REDUCERS[op];
  const read = reader(x);
  const write = writer(out);
  const bases = outerOffsets(x, axes);
  const innerShape = axes.map((a) => x.shape[a]!);
  const innerStrides = axes.map((a) => x.strides[a]!);
  const group = new Float64Array(innerShape.reduce((a, b) => a * b, 1));
  for (let o = 0; o < bases.length; o++) {
    let i = 0;
    forEachOffset(innerShape, innerStrides, bases[o]!, (off) => {
      group[i++] = read(off);
    });
    write(out.offset + o, f(group, correction));
  }
};

export const softmax: Kernel<'softmax'> = ({ x, axis, log, out }) => {
  const read = reader(x);
  const write = writer(out);
  const n = x.shape[axis]!;
  const xs = x.strides[axis]!;
  const outStrides = out.shape.map((_, i) => out.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const os = outStrides[axis]!;
  const xBases = outerOffsets(x, [axis]);
  const oBases = outerOffsets(out, [axis]);
  const row = new Float64Array(n);
  for (let r = 0; r < xBases.length; r++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      row[j] = read(xBases[r]! + j * xs);
      if (row[j]! > m) m = row[j]!;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(row[j]! - m);
    const logSum = Math.log(sum);
    for (let j = 0; j < n; j++) {
      const v = log ? row[j]! - m - logSum : Math.exp(row[j]! - m) / sum;
      write(oBases[r]! + j * os, v);
    }
  }
};
