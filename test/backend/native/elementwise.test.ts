import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BinaryOp, UnaryOp } from '../../../src/backend/native/binding.js';
import { Rng } from '../../../src/core/rng.js';
import { assertClose, eachConfig, native, randomF32 } from './native-fixture.js';

/** erfc in double: power series below 2.5, continued fraction above (both ~1e-14 relative). */
function erfc(z: number): number {
  if (z < 0) return 2 - erfc(-z);
  if (z < 2.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 80; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let k = z;
  for (let n = 80; n >= 1; n--) k = z + n / 2 / k;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * k);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const UNARY_REF: { [K in UnaryOp]: (x: number) => number } = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (Number.isNaN(x) ? x : Math.max(x, 0)),
  gelu_tanh: (x) => x * sigmoid(2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)),
  // The limit at -inf (0), where the plain formula gives -inf * 0.
  gelu_erf: (x) => (x === Number.NEGATIVE_INFINITY ? 0 : 0.5 * x * erfc(-x / Math.SQRT2)),
  silu: (x) => x * sigmoid(x),
};

/** Input ranges that cover each function's interesting regions (and its special values). */
function unaryInputs(op: UnaryOp, rng: Rng): Float32Array {
  const n = 3001;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    switch (op) {
      case 'exp':
        v[i] = -103 + u * 191;
        break;
      case 'log':
      case 'sqrt':
      case 'rsqrt':
        v[i] = 2 ** (-140 + u * 266);
        break;
      case 'sigmoid':
        v[i] = -40 + u * 80;
        break;
      default:
        v[i] = -12 + u * 24;
    }
  }
  const special: Record<string, number[]> = {
    exp: [0, -0, Infinity, -Infinity, Number.NaN, 88.7, -87.5],
    log: [0, 1, Infinity, -1, Number.NaN, 1e-45, 3.4e38],
    tanh: [0, -0, 1e-8, 0.625, -0.625, 20, -20, Infinity, -Infinity],
    relu: [0, -0, Number.NaN, -Infinity, Infinity],
    gelu_erf: [0, 25, -25, Infinity, -Infinity, 1e-30],
  };
  (special[op] ?? []).forEach((s, i) => {
    v[i] = s;
  });
  return v;
}

// Max relative errors measured on 200k random inputs against double references, AVX2 and scalar
// paths alike: exp 1.2e-7, log 7.8e-8, tanh 1.3e-7, sigmoid 1.4e-7, silu 1.6e-7, gelu_erf 4.7e-7,
// sqrt 6e-8, rsqrt 9e-8; gelu_tanh 1e-5 in the far negative tail only (x ~ -9, result ~1e-30),
// where exp's argument 2u ~ 80 carries the f32 rounding of u. Bounds below keep ~2x headroom.
const UNARY_RTOL: Partial<Record<UnaryOp, number>> = { gelu_erf: 1e-6, gelu_tanh: 2e-5 };

test('unaryF32 matches double-precision references within the stated error', (t) => {
  eachConfig(t, (addon, label) => {
    for (const op of Object.keys(UNARY_REF) as UnaryOp[]) {
      const x = unaryInputs(op, new Rng(5));
      const out = new Float32Array(x.length + 2);
      addon.unaryF32(op, x, 0, out, 1, x.length);
      const want = Array.from(x, (v) => Math.fround(UNARY_REF[op](v)));
      assertClose(out.subarray(1, x.length + 1), want, UNARY_RTOL[op] ?? 4e-7, 1e-37, `${label} ${op}`);
      assert.equal(out[0], 0, 'writes stay inside [outOffset, outOffset + n)');
      assert.equal(out[x.length + 1], 0);
    }
  });
});

test('unaryF32 runs in place and handles n = 0, 1 and multi-threaded sizes', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(9);
    for (const n of [0, 1, 7, 9, 17, 70001]) {
      const x = randomF32(rng, n, 5);
      const want = Array.from(x, (v) => Math.fround(Math.tanh(v)));
      addon.unaryF32('tanh', x, 0, x, 0, n);
      assertClose(x, want, 8e-7, 0, `${label} n=${n}`);
    }
  });
});

const BINARY_REF: { [K in BinaryOp]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: Math.max,
  minimum: Math.min,
};

test('binaryF32 covers same-length, scalar, row-vector and column broadcasts', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(21);
    const layouts = [
      { n: 0, bLen: 1, inner: 1 },
      { n: 1, bLen: 1, inner: 1 },
      { n: 37, bLen: 37, inner: 1 },
      { n: 60, bLen: 12, inner: 1 },
      { n: 60, bLen: 3, inner: 5 },
      { n: 77, bLen: 7, inner: 11 },
      { n: 40000, bLen: 1, inner: 1 },
      { n: 40000, bLen: 40000, inner: 1 },
      { n: 39000, bLen: 13, inner: 1 },
    ];
    for (const op of Object.keys(BINARY_REF) as BinaryOp[]) {
      for (const { n, bLen, inner } of layouts) {
        const a = randomF32(rng, n + 2, 4);
        const b = randomF32(rng, bLen + 1, 4);
        if (op === 'pow') for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i]!) + 0.1;
        if (op === 'maximum' && n > 2) a[1] = Number.NaN;
        const out = new Float32Array(n);
        addon.binaryF32(op, a, 2, b, 1, bLen, inner, out, 0, n);
        const want = Array.from({ length: n }, (_, i) =>
          Math.fround(BINARY_REF[op](a[i + 2]!, b[1 + (Math.floor(i / inner) % bLen)]!)),
        );
        assertClose(out, want, op === 'pow' ? 1e-6 : 0, 0, `${label} ${op} ${n}/${bLen}/${inner}`);
      }
    }
  });
});

test('elementwise kernels reject bad ops and layouts', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  const x = new Float32Array(6);
  assert.throws(() => addon.unaryF32('cube' as UnaryOp, x, 0, x, 0, 6), /'op' must be one of: neg, abs/);
  assert.throws(() => addon.unaryF32('exp', x, 2, x, 0, 6), /'x' needs elements \[2, 8\)/);
  assert.throws(() => addon.binaryF32('add', x, 0, x, 0, 4, 1, x, 0, 6), /bLen \(4\) must be 1 or divide n/);
  assert.throws(() => addon.binaryF32('add', x, 0, x, 0, 3, 4, x, 0, 6), /inner \(4\) must divide n/);
  assert.throws(() => addon.binaryF32('add', x, 0, x, 4, 3, 1, x, 0, 6), /'b' needs elements/);
});
