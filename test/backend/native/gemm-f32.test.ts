import assert from 'node:assert/strict';
import { test } from 'node:test';
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
