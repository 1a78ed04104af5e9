import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/core/rng.js';
import { assertClose, eachConfig, native, randomF32 } from './native-fixture.js';

function randomI8(rng: Rng, n: number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256) - 128;
  return out;
}

/** acc[i, j] over k range [p0, p1) of A [m, k] . B [n, k]^T. */
function dot(a: Int8Array, b: Int8Array, k: number, i: number, j: number, p0: number, p1: number): number {
  let s = 0;
  for (let p = p0; p < p1; p++) s += a[i * k + p]! * b[j * k + p]!;
  return s;
}

const SHAPES: [number, number, number][] = [
  [0, 3, 4],
  [1, 1, 1],
  [3, 5, 0],
  [2, 17, 7],
  [7, 33, 64],
  [13, 19, 131],
  [70, 50, 1030],
  // Split across threads by columns, past the AVX2/AVX-512 column blocks (NC 3072 / 4096).
  [3, 4200, 130],
];

test('gemmI8 int32 output is exact, -128 x -128 included', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(61);
    for (const [m, n, k] of SHAPES) {
      const a = randomI8(rng, m * k + 2);
      const b = randomI8(rng, n * k + 1);
      if (m * k > 0) a.fill(-128, 2, 2 + Math.min(k, 4));
      if (n * k > 0) b.fill(-128, 1, 1 + Math.min(k, 4));
      const out = new Int32Array(m * n + 1).fill(7);
      addon.gemmI8(m, n, k, a, 2, b, 1, out, 1, null, null, null, 0);
      const aa = a.subarray(2);
      const bb = b.subarray(1);
      const want = [7];
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want.push(dot(aa, bb, k, i, j, 0, k));
      assert.deepEqual(Array.from(out), want, `${label} [${m}, ${n}, ${k}]`);
    }
  });
});

test('gemmI8 f32 epilogue applies row/column scales, bias and K-group scales', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(71);
    for (const [m, n, k] of SHAPES) {
      for (const groupSize of [0, 1, 4, 32]) {
        if (groupSize > 0 && (k === 0 || k % groupSize !== 0)) continue;
        const groups = groupSize > 0 ? k / groupSize : 1;
        const a = randomI8(rng, m * k);
        const b = randomI8(rng, n * k);
        const sa = randomF32(rng, m, 0.1);
        const sb = randomF32(rng, n * groups, 0.1);
        const bias = randomF32(rng, n);
        for (const withBias of [false, true]) {
          const out = new Float32Array(m * n).fill(Number.NaN);
          addon.gemmI8(m, n, k, a, 0, b, 0, out, 0, sa, sb, withBias ? bias : null, groupSize);
          const want: number[] = [];
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let v = withBias ? bias[j]! : 0;
              if (groupSize === 0) v += dot(a, b, k, i, j, 0, k) * sa[i]! * sb[j]!;
              else
                for (let g = 0; g < groups; g++)
                  v += dot(a, b, k, i, j, g * groupSize, (g + 1) * groupSize) * sa[i]! * sb[j * groups + g]!;
              want.push(v);
            }
          // Each block's int32 sum is exact; blocks and groups are summed in f32.
          assertClose(out, want, 1e-5, 1e-4 * Math.sqrt(k + 1), `${label} [${m}, ${n}, ${k}] g${groupSize}`);
        }
      }
    }
  });
});

test('gemmI8 rejects inconsistent scales, groups and output types', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  const a = new Int8Array(8);
  const b = new Int8Array(12);
  const f = new Float32Array(6);
  assert.throws(
    () => addon.gemmI8(2, 3, 4, a, 0, b, 0, f, 0, null, new Float32Array(2), null, 0),
    /'scaleB' must have 3/,
  );
  assert.throws(
    () => addon.gemmI8(2, 3, 4, a, 0, b, 0, f, 0, null, null, null, 3),
    /groupSize \(3\) must divide k/,
  );
  assert.throws(
    () => addon.gemmI8(2, 3, 4, a, 0, b, 0, new Int32Array(6), 0, new Float32Array(2), null, null, 0),
    /only to a Float32Array/,
  );
  assert.throws(
    () => addon.gemmI8(2, 3, 4, a, 1, b, 0, f, 0, null, null, null, 0),
    /'a' needs elements \[1, 9\)/,
  );
  assert.throws(
    () =>
      addon.gemmI8(
        2,
        3,
        4,
        a,
        0,
        b,
        0,
        new Float64Array(6) as unknown as Float32Array,
        0,
        null,
        null,
        null,
        0,
      ),
    /'out' must be a Float32Array/,
  );
});
