import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReduceOp } from '../../../src/backend/native/binding.js';
import { Rng } from '../../../src/core/rng.js';
import { assertClose, eachConfig, native, randomF32 } from './native-fixture.js';

const SHAPES: [number, number][] = [
  [0, 5],
  [1, 1],
  [3, 7],
  [4, 33],
  [2, 100],
  [600, 129],
];

function rowRef(x: Float32Array, rows: number, cols: number, fn: (row: number[]) => number): number[] {
  return Array.from({ length: rows }, (_, r) => fn(Array.from(x.subarray(r * cols, (r + 1) * cols))));
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const REDUCE_REF: { [K in ReduceOp]: (v: number[]) => number } = {
  sum: (v) => v.reduce((a, b) => a + b, 0),
  mean,
  max: (v) => (v.some(Number.isNaN) ? Number.NaN : Math.max(...v)),
  min: (v) => (v.some(Number.isNaN) ? Number.NaN : Math.min(...v)),
  var: (v) => {
    const m = mean(v);
    return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
  },
  logsumexp: (v) => {
    const m = Math.max(...v);
    return m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
  },
};

test('reduceRowsF32 and argmaxRowsF32 match loop references', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(31);
    for (const [rows, cols] of SHAPES) {
      const x = randomF32(rng, rows * cols + 3, 3);
      if (rows * cols > 10) x[3 + 9] = Number.NaN;
      for (const op of Object.keys(REDUCE_REF) as ReduceOp[]) {
        const out = new Float32Array(rows);
        addon.reduceRowsF32(op, x, 3, rows, cols, out, 0);
        const want = rowRef(x.subarray(3), rows, cols, REDUCE_REF[op]);
        // f32 accumulation error grows with the sum of |x| (cols x scale 3), not with the result.
        assertClose(out, want, 2e-6, 1e-6 * cols, `${label} ${op} [${rows}, ${cols}]`);
      }
      const arg = new Int32Array(rows);
      const xr = x.slice(3);
      if (cols > 4) xr[cols + 4] = xr[cols + 1] = 10;
      addon.argmaxRowsF32(xr, 0, rows, cols, arg, 0);
      const wantArg = rowRef(xr, rows, cols, (v) => {
        const nan = v.findIndex(Number.isNaN);
        return nan >= 0 ? nan : v.indexOf(Math.max(...v));
      });
      assert.deepEqual(Array.from(arg), wantArg, `${label} argmax [${rows}, ${cols}] (first max wins)`);
    }
  });
});

test('softmax and log-softmax are stable and match the reference', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(41);
    for (const [rows, cols] of SHAPES) {
      const x = randomF32(rng, rows * cols, 30);
      if (rows * cols > 0) x[0] = 1000;
      for (const log of [false, true]) {
        const out = new Float32Array(rows * cols);
        addon.softmaxRowsF32(x, 0, rows, cols, out, 0, log);
        const want: number[] = [];
        for (let r = 0; r < rows; r++) {
          const v = Array.from(x.subarray(r * cols, (r + 1) * cols));
          const lse = REDUCE_REF.logsumexp(v);
          for (const e of v) want.push(log ? e - lse : Math.exp(e - lse));
        }
        assertClose(
          out,
          want,
          2e-6,
          log ? 1e-4 : 1e-9,
          `${label} ${log ? 'log-' : ''}softmax [${rows}, ${cols}]`,
        );
      }
    }
  });
});

test('layerNorm and rmsNorm match the reference with and without affine parameters', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(51);
    for (const [rows, cols] of SHAPES) {
      const x = randomF32(rng, rows * cols, 2);
      for (let i = 0; i < x.length; i++) x[i]! += 5;
      const gamma = randomF32(rng, cols);
      const beta = randomF32(rng, cols);
      for (const affine of [false, true]) {
        const g = affine ? gamma : null;
        const b = affine ? beta : null;
        const ln = new Float32Array(rows * cols);
        addon.layerNormRowsF32(x, 0, rows, cols, g, b, 1e-5, ln, 0);
        const rms = new Float32Array(rows * cols);
        addon.rmsNormRowsF32(x, 0, rows, cols, g, 1e-6, rms, 0);
        const wantLn: number[] = [];
        const wantRms: number[] = [];
        for (let r = 0; r < rows; r++) {
          const v = Array.from(x.subarray(r * cols, (r + 1) * cols));
          const m = mean(v);
          const rstd = 1 / Math.sqrt(REDUCE_REF.var(v) + 1e-5);
          const rr = 1 / Math.sqrt(mean(v.map((e) => e * e)) + 1e-6);
          v.forEach((e, j) => {
            wantLn.push((e - m) * rstd * (g ? g[j]! : 1) + (b ? b[j]! : 0));
            wantRms.push(e * rr * (g ? g[j]! : 1));
          });
        }
        assertClose(ln, wantLn, 1e-5, 1e-5, `${label} layerNorm [${rows}, ${cols}] affine=${affine}`);
        assertClose(rms, wantRms, 1e-5, 1e-6, `${label} rmsNorm [${rows}, ${cols}] affine=${affine}`);
      }
    }
  });
});

test('row kernels reject empty rows where undefined and wrong-sized parameters', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  const x = new Float32Array(6);
  assert.throws(() => addon.reduceRowsF32('max', x, 0, 2, 0, new Float32Array(2), 0), /empty row/);
  assert.throws(() => addon.argmaxRowsF32(x, 0, 2, 4, new Int32Array(2), 0), /'x' needs elements \[0, 8\)/);
  assert.throws(() => addon.softmaxRowsF32(x, 0, 2, 3, new Float32Array(5), 0, false), /'out' needs/);
  assert.throws(
    () => addon.layerNormRowsF32(x, 0, 2, 3, new Float32Array(2), null, 1e-5, x, 0),
    /'gamma' must have cols = 3 entries/,
  );
  assert.throws(() => addon.rmsNormRowsF32(x, 0, 2, 3, null, -1, x, 0), /eps must be >= 0/);
});
