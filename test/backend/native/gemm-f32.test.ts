import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geluErf, geluTanh, silu } from '../../../src/backend/reference/scalar-math.js';
import { Rng } from '../../../src/core/rng.js';
import { assertClose, eachConfig, native, randomF32 } from './native-fixture.js';

interface Case {
  m: number;
  n: number;
  k: number;
  batch: number;
  transA: boolean;
  transB: boolean;
  broadcastA?: boolean;
  broadcastB?: boolean;
  alpha?: number;
  beta?: number;
  pad?: number;
}

/** Plain loop oracle over the same strided layout the kernel sees. */
function gemmRef(c: Case, a: Float32Array, b: Float32Array, out: Float32Array, offs: number[]): void {
  const { m, n, k, batch, transA, transB, alpha = 1, beta = 0, pad = 0 } = c;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const sA = c.broadcastA ? 0 : (transA ? k : m) * lda;
  const sB = c.broadcastB ? 0 : (transB ? n : k) * ldb;
  const sC = m * ldc;
  for (let bi = 0; bi < batch; bi++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          const av = a[offs[0]! + bi * sA + (transA ? p * lda + i : i * lda + p)]!;
          const bv = b[offs[1]! + bi * sB + (transB ? j * ldb + p : p * ldb + j)]!;
          acc += av * bv;
        }
        const idx = offs[2]! + bi * sC + i * ldc + j;
        out[idx] = alpha * acc + (beta === 0 ? 0 : beta * out[idx]!);
      }
}

type Call = (
  lda: number,
  ldb: number,
  ldc: number,
  sA: number,
  sB: number,
  sC: number,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  offs: number[],
) => void;

/** Random operands for `c`; `prepare` may round them (bf16) before the oracle sees them. */
function runCase(c: Case, rng: Rng, call: Call, label: string, prepare?: (x: Float32Array) => void): void {
  const { m, n, k, batch, transA, transB, pad = 0 } = c;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const sA = c.broadcastA ? 0 : (transA ? k : m) * lda;
  const sB = c.broadcastB ? 0 : (transB ? n : k) * ldb;
  const sC = m * ldc;
  const offs = [3, 5, 7];
  const a = randomF32(rng, offs[0]! + (c.broadcastA ? 1 : batch) * (transA ? k : m) * lda + 2);
  const b = randomF32(rng, offs[1]! + (c.broadcastB ? 1 : batch) * (transB ? n : k) * ldb + 2);
  prepare?.(a);
  prepare?.(b);
  const init = randomF32(rng, offs[2]! + batch * m * ldc + 2);
  const want = init.slice();
  const got = init.slice();
  gemmRef(c, a, b, want, offs);
  call(lda, ldb, ldc, sA, sB, sC, a, b, got, offs);
  assertClose(got, want, 1e-5, 1e-5 * Math.sqrt(Math.max(k, 1)), label);
}

const cases: Case[] = [
  { m: 0, n: 5, k: 3, batch: 1, transA: false, transB: false },
  { m: 3, n: 4, k: 0, batch: 2, transA: false, transB: false, beta: 0.5 },
  { m: 1, n: 1, k: 1, batch: 1, transA: false, transB: false },
  { m: 1, n: 37, k: 19, batch: 1, transA: false, transB: true },
  { m: 7, n: 17, k: 5, batch: 3, transA: true, transB: false, alpha: 0.5, beta: 2 },
  { m: 13, n: 33, k: 29, batch: 2, transA: true, transB: true, pad: 3 },
  { m: 61, n: 47, k: 300, batch: 1, transA: false, transB: false, beta: -1 },
  { m: 20, n: 30, k: 40, batch: 4, transA: false, transB: true, broadcastB: true },
  { m: 9, n: 70, k: 11, batch: 3, transA: false, transB: false, broadcastA: true, pad: 1 },
  { m: 150, n: 160, k: 270, batch: 1, transA: false, transB: false, alpha: 1.5, beta: 1 },
  // Large enough (> 2 MFLOP) to be split across threads: by batch, and by columns past NC blocks.
  { m: 64, n: 64, k: 64, batch: 4, transA: true, transB: false },
  { m: 5, n: 4200, k: 60, batch: 1, transA: false, transB: true },
];

test('gemmF32 matches the loop oracle on edge shapes, transposes and broadcasts', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(42);
    for (const c of cases) {
      runCase(
        c,
        rng,
        (lda, ldb, ldc, sA, sB, sC, a, b, out, offs) => {
          addon.gemmF32(
            c.m,
            c.n,
            c.k,
            c.batch,
            a,
            offs[0]!,
            lda,
            c.transA,
            sA,
            b,
            offs[1]!,
            ldb,
            c.transB,
            sB,
            out,
            offs[2]!,
            ldc,
            sC,
            c.alpha ?? 1,
            c.beta ?? 0,
          );
        },
        `${label} ${JSON.stringify(c)}`,
      );
    }
  });
});

test('gemmBf16 equals gemmF32 on bf16-representable inputs', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(7);
    for (const c of cases) {
      const toBf16 = (x: Float32Array) => {
        const h = new Uint16Array(x.length);
        addon.f32ToBf16(x, 0, h, 0, x.length);
        return h;
      };
      const round = (x: Float32Array) => addon.bf16ToF32(toBf16(x), 0, x, 0, x.length);
      runCase(
        c,
        rng,
        (lda, ldb, ldc, sA, sB, sC, a, b, out, offs) => {
          const a16 = toBf16(a);
          const b16 = toBf16(b);
          addon.gemmBf16(
            c.m,
            c.n,
            c.k,
            c.batch,
            a16,
            offs[0]!,
            lda,
            c.transA,
            sA,
            b16,
            offs[1]!,
            ldb,
            c.transB,
            sB,
            out,
            offs[2]!,
            ldc,
            sC,
            c.alpha ?? 1,
            c.beta ?? 0,
          );
        },
        `${label} bf16 ${JSON.stringify(c)}`,
        round,
      );
    }
  });
});

test('gemmF32 results do not depend on the thread count', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  const rng = new Rng(3);
  const [m, n, k] = [97, 301, 513];
  const a = randomF32(rng, m * k);
  const b = randomF32(rng, k * n);
  const outs = [1, 2].map((threads) => {
    addon.setThreads(threads);
    const c = new Float32Array(m * n);
    addon.gemmF32(m, n, k, 1, a, 0, k, false, 0, b, 0, n, false, 0, c, 0, n, 0, 1, 0);
    return c;
  });
  assert.deepEqual(outs[0], outs[1]);
});

test('gemmF32 rejects bad arguments with an error naming them', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  const a = new Float32Array(6);
  const c = new Float32Array(4);
  assert.throws(
    () => addon.gemmF32(2, 2, 3, 1, a, 1, 3, false, 0, a, 0, 2, false, 0, c, 0, 2, 0, 1, 0),
    /'a' needs elements/,
  );
  assert.throws(
    () => addon.gemmF32(2, 2, 3, 1, a, 0, 2, false, 0, a, 0, 2, false, 0, c, 0, 2, 0, 1, 0),
    /lda must be >= 3/,
  );
  assert.throws(
    () =>
      addon.gemmF32(
        2,
        2,
        3,
        1,
        new Float64Array(6) as unknown as Float32Array,
        0,
        3,
        false,
        0,
        a,
        0,
        2,
        false,
        0,
        c,
        0,
        2,
        0,
        1,
        0,
      ),
    /'a' must be a Float32Array/,
  );
  assert.throws(
    () => addon.gemmF32(2, 2, 3, 2, a, 0, 3, false, 0, a, 0, 2, false, 0, c, 0, 2, 4, 1, 0),
    /'c' needs elements/,
  );
  assert.throws(
    () => addon.gemmF32(-1, 2, 3, 1, a, 0, 3, false, 0, a, 0, 2, false, 0, c, 0, 2, 0, 1, 0),
    /'m' must be an integer/,
  );
});

interface PackedCase {
  m: number;
  n: number;
  k: number;
  transB: boolean;
  bias: boolean;
  activation: 'none' | 'gelu_erf' | 'gelu_tanh' | 'relu' | 'silu';
}

const ACT: Record<PackedCase['activation'], (x: number) => number> = {
  none: (x) => x,
  gelu_erf: geluErf,
  gelu_tanh: geluTanh,
  relu: (x) => Math.max(x, 0),
  silu,
};

const packedCases: PackedCase[] = [
  { m: 1, n: 1, k: 1, transB: true, bias: false, activation: 'none' },
  { m: 3, n: 5, k: 0, transB: true, bias: true, activation: 'gelu_erf' },
  { m: 7, n: 37, k: 19, transB: true, bias: true, activation: 'gelu_erf' },
  { m: 13, n: 33, k: 300, transB: false, bias: true, activation: 'gelu_tanh' },
  { m: 150, n: 40, k: 270, transB: true, bias: false, activation: 'relu' },
  // Threaded (> 2 MFLOP): split by columns, and by rows; and columns past the NC blocks.
  { m: 128, n: 96, k: 160, transB: true, bias: true, activation: 'silu' },
  { m: 300, n: 20, k: 200, transB: true, bias: true, activation: 'gelu_erf' },
  { m: 5, n: 4200, k: 60, transB: true, bias: true, activation: 'none' },
];

test('linearF32Packed = act(x · op(B) + bias) with B prepacked by gemmF32PackB', (t) => {
  eachConfig(t, (addon, label) => {
    const rng = new Rng(43);
    for (const c of packedCases) {
      const { m, n, k, transB } = c;
      const [xOff, bOff, cOff, pad] = [2, 3, 1, 2];
      const ldb = (transB ? k : n) + pad;
      const x = randomF32(rng, xOff + m * k);
      const b = randomF32(rng, bOff + (transB ? n : k) * ldb);
      const bias = c.bias ? randomF32(rng, n) : null;
      const want = new Float32Array(cOff + m * n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let acc = bias ? bias[j]! : 0;
          for (let p = 0; p < k; p++)
            acc += x[xOff + i * k + p]! * b[bOff + (transB ? j * ldb + p : p * ldb + j)]!;
          want[cOff + i * n + j] = ACT[c.activation](acc);
        }
      const packed = addon.gemmF32PackB(n, k, b, bOff, ldb, transB);
      const got = new Float32Array(cOff + m * n).fill(Number.NaN);
      got[0] = want[0]!;
      const ok = addon.linearF32Packed(m, n, k, x, xOff, k, packed, bias, c.activation, got, cOff, n);
      assert.equal(ok, true, `${label} ${JSON.stringify(c)}: packed under this level`);
      assertClose(got, want, 1e-5, 1e-5 * Math.sqrt(Math.max(k, 1)), `${label} ${JSON.stringify(c)}`);
    }
  });
});

// Ragged on every axis for every kernel: m not a multiple of any mr (6, 12), n leaving a partial
// panel wider and narrower than 16 columns, k past the kc block and not a multiple of 16. Each
// case also carries a NaN in one row of x, which every activation must pass through. The results
// are compared with the oracle at every level and bit for bit across thread counts.
const raggedCases: PackedCase[] = [
  { m: 29, n: 83, k: 837, transB: true, bias: true, activation: 'none' },
  { m: 29, n: 83, k: 837, transB: true, bias: true, activation: 'gelu_erf' },
  { m: 29, n: 83, k: 837, transB: true, bias: true, activation: 'gelu_tanh' },
  { m: 29, n: 83, k: 837, transB: true, bias: true, activation: 'relu' },
  { m: 29, n: 83, k: 837, transB: true, bias: true, activation: 'silu' },
  { m: 17, n: 45, k: 1100, transB: false, bias: false, activation: 'gelu_erf' },
  // Split by rows at two threads.
  { m: 401, n: 45, k: 837, transB: true, bias: true, activation: 'gelu_erf' },
];

test('linearF32Packed fuses bias + activation on ragged tiles at every level, whatever the thread count', (t) => {
  if (!native.available) return t.skip(native.reason);
  const rng = new Rng(45);
  for (const c of raggedCases) {
    const { m, n, k, transB } = c;
    const ldb = transB ? k : n;
    const x = randomF32(rng, m * k);
    x[2 * k + 5] = Number.NaN;
    const b = randomF32(rng, (transB ? n : k) * ldb, 0.1);
    const bias = c.bias ? randomF32(rng, n) : null;
    const want = new Float32Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = bias ? bias[j]! : 0;
        for (let p = 0; p < k; p++) acc += x[i * k + p]! * b[transB ? j * ldb + p : p * ldb + j]!;
        want[i * n + j] = ACT[c.activation](acc);
      }
    const byThreads = new Map<string, Float32Array>();
    eachConfig(t, (addon, label) => {
      const packed = addon.gemmF32PackB(n, k, b, 0, ldb, transB);
      const got = new Float32Array(m * n).fill(7);
      assert.equal(addon.linearF32Packed(m, n, k, x, 0, k, packed, bias, c.activation, got, 0, n), true);
      assertClose(got, want, 1e-5, 1e-5 * Math.sqrt(k), `${label} ${JSON.stringify(c)}`);
      for (let j = 0; j < n; j++) assert.ok(Number.isNaN(got[2 * n + j]!), `${label}: NaN row, column ${j}`);
      const level = label.split(' ')[0]!;
      const other = byThreads.get(level);
      if (other === undefined) byThreads.set(level, got);
      else assert.deepEqual(got, other, `${label} ${JSON.stringify(c)}: differs from t1`);
    });
  }
});

test('linearF32Packed refuses a buffer packed for another kernel or shape, and bad arguments', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  const rng = new Rng(44);
  const [m, n, k] = [4, 40, 8];
  const x = randomF32(rng, m * k);
  const w = randomF32(rng, n * k);
  const out = new Float32Array(m * n);
  try {
    addon.setIsaMax('scalar');
    const scalarPacked = addon.gemmF32PackB(n, k, w, 0, k, true);
    addon.setIsaMax('avx512');
    if (addon.cpuInfo().level !== 'scalar') {
      assert.equal(addon.linearF32Packed(m, n, k, x, 0, k, scalarPacked, null, 'none', out, 0, n), false);
      assert.ok(
        out.every((v) => v === 0),
        'a refused call writes nothing',
      );
    }
  } finally {
    addon.setIsaMax('avx512');
  }
  const packed = addon.gemmF32PackB(n, k, w, 0, k, true);
  assert.equal(addon.linearF32Packed(m, n - 1, k, x, 0, k, packed, null, 'none', out, 0, n), false);
  assert.throws(
    () => addon.linearF32Packed(m, n, k, x, 0, k, packed, null, 'tanh' as 'none', out, 0, n),
    /activation/,
  );
  assert.throws(
    () => addon.linearF32Packed(m, n, k, x, 0, k, packed, new Float32Array(n - 1), 'none', out, 0, n),
    /bias/,
  );
  assert.throws(() => addon.linearF32Packed(m, n, k, x, 0, k, packed, null, 'none', out, 1, n), /'c' needs/);
});
