import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useBackend } from '../../src/backend/registry.js';
import { FrugalError } from '../../src/core/errors.js';
import {
  contiguous,
  matmul,
  mul,
  randn,
  scaledDotProductAttention,
  softmax,
  type Tensor,
  tensor,
  where,
} from '../../src/ops/index.js';
import { nativeIsaLevels, setNativeIsa } from '../support/native-levels.js';

interface Case {
  name: string;
  b: number;
  h: number;
  hk: number;
  t: number;
  s: number;
  d: number;
  dv: number;
  causal?: boolean;
  /** Keys visible per batch row (a padding mask [B, 1, 1, S]). */
  lengths?: number[];
  /** A mask that differs per query row ([B, 1, T, S], a fixed pattern). */
  perQuery?: boolean;
}

const CASES: Case[] = [
  { name: 'self, no mask', b: 2, h: 3, hk: 3, t: 9, s: 9, d: 16, dv: 16 },
  { name: 'causal', b: 1, h: 2, hk: 2, t: 37, s: 37, d: 8, dv: 8, causal: true },
  { name: 'padding mask', b: 3, h: 2, hk: 2, t: 11, s: 11, d: 12, dv: 12, lengths: [11, 4, 1] },
  { name: 'cross, S != T', b: 2, h: 2, hk: 2, t: 5, s: 13, d: 8, dv: 8 },
  { name: 'causal with cached keys (S > T)', b: 1, h: 2, hk: 2, t: 3, s: 10, d: 8, dv: 8, causal: true },
  { name: 'grouped-query (H = 4, Hkv = 2), Dv != D', b: 2, h: 4, hk: 2, t: 6, s: 6, d: 12, dv: 5 },
  { name: 'keys span several blocks', b: 1, h: 1, hk: 1, t: 70, s: 600, d: 64, dv: 64 },
  { name: 'per-query mask', b: 2, h: 2, hk: 2, t: 40, s: 70, d: 16, dv: 16, perQuery: true },
  {
    name: 'causal, blocks and mask',
    b: 2,
    h: 2,
    hk: 1,
    t: 300,
    s: 300,
    d: 32,
    dv: 32,
    causal: true,
    lengths: [300, 150],
  },
];

function paddingMask(lengths: number[], s: number): Tensor {
  const flat = lengths.flatMap((len) => Array.from({ length: s }, (_, j) => j < len));
  return tensor(flat, { dtype: 'bool', shape: [lengths.length, 1, 1, s] });
}

function perQueryMask(c: Case): Tensor {
  const flat = Array.from({ length: c.b * c.t * c.s }, (_, n) => (n * 7 + Math.floor(n / c.s)) % 5 !== 0);
  return tensor(flat, { dtype: 'bool', shape: [c.b, 1, c.t, c.s] });
}

/** The unfused composition (what MultiHeadAttention does in training), GQA heads repeated. */
function unfused(q: Tensor, k: Tensor, v: Tensor, c: Case, mask: Tensor | undefined): Tensor {
  const g = c.h / c.hk;
  const rep = (x: Tensor) =>
    contiguous(x.unsqueeze(2).expand([c.b, c.hk, g, x.shape[2]!, x.shape[3]!])).view([
      c.b,
      c.h,
      x.shape[2]!,
      x.shape[3]!,
    ]);
  const scores = mul(matmul(q, rep(k), { transB: true }), 1 / Math.sqrt(c.d));
  let visible = mask;
  if (c.causal) {
    const causal = tensor(
      Array.from({ length: c.t * c.s }, (_, n) => n % c.s <= Math.floor(n / c.s) + c.s - c.t),
      { dtype: 'bool', shape: [c.t, c.s] },
    );
    visible = mask ? where(mask, causal, 0) : causal;
  }
  const probs = softmax(visible ? where(visible, scores, -1e9) : scores, -1);
  return matmul(probs, rep(v));
}

function inputs(c: Case, seed: number) {
  return {
    q: randn([c.b, c.h, c.t, c.d], { seed }),
    k: randn([c.b, c.hk, c.s, c.d], { seed: seed + 1 }),
    v: randn([c.b, c.hk, c.s, c.dv], { seed: seed + 2 }),
    mask: c.lengths ? paddingMask(c.lengths, c.s) : c.perQuery ? perQueryMask(c) : undefined,
  };
}

function assertClose(actual: Tensor, expected: Tensor, tol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const a = actual.toFlatArray();
  const e = expected.toFlatArray();
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i]! - e[i]!) <= tol * (1 + Math.abs(e[i]!)),
      `${what}: element ${i}: ${a[i]} vs ${e[i]}`,
    );
  }
}

function fused(q: Tensor, k: Tensor, v: Tensor, c: Case, mask: Tensor | undefined): Tensor {
  return scaledDotProductAttention(q, k, v, { causal: c.causal ?? false, ...(mask ? { mask } : {}) });
}

describe('scaledDotProductAttention', () => {
  for (const [n, c] of CASES.entries()) {
    it(`matches the unfused composition: ${c.name}`, () => {
      const { q, k, v, mask } = inputs(c, 10 * n);
      assertClose(fused(q, k, v, c, mask), unfused(q, k, v, c, mask), 1e-5, c.name);
    });
  }

  it('every native ISA level matches the reference backend', () => {
    for (const level of nativeIsaLevels()) {
      setNativeIsa(level);
      try {
        for (const [n, c] of CASES.entries()) {
          const { q, k, v, mask } = inputs(c, 10 * n + 5);
          const native = fused(q, k, v, c, mask);
          useBackend('reference');
          try {
            assertClose(native, fused(q, k, v, c, mask), 1e-5, `${level}: ${c.name}`);
          } finally {
            useBackend(undefined);
          }
        }
      } finally {
        setNativeIsa(undefined);
      }
    }
  });

  it('reads head-split views of [B, T, H·D] projections without copying them', () => {
    const c: Case = { name: 'views', b: 2, h: 4, hk: 4, t: 7, s: 7, d: 8, dv: 8 };
    const split = (seed: number) =>
      randn([c.b, c.t, c.h * c.d], { seed })
        .view([c.b, c.t, c.h, c.d])
        .permute(0, 2, 1, 3);
    const [q, k, v] = [split(1), split(2), split(3)];
    const out = fused(q, k, v, c, undefined);
    assertClose(out, unfused(contiguous(q), contiguous(k), contiguous(v), c, undefined), 1e-5, 'views');
    // Heads come back as a view of [B, T, H, Dv] storage: merging them is a free reshape.
    assert.ok(out.permute(0, 2, 1, 3).isContiguous);
  });

  it('a row that may attend no key averages all values (as the -1e9 fill does)', () => {
    const c: Case = { name: 'hidden', b: 1, h: 1, hk: 1, t: 2, s: 3, d: 4, dv: 4 };
    const { q, k, v } = inputs(c, 7);
    const mask = tensor(
      [
        [true, true, false],
        [false, false, false],
      ],
      { dtype: 'bool' },
    );
    const out = fused(q, k, v, c, mask).toFlatArray();
    const vals = v.toFlatArray();
    for (let col = 0; col < 4; col++) {
      const mean = (vals[col]! + vals[4 + col]! + vals[8 + col]!) / 3;
      assert.ok(Math.abs(out[4 + col]! - mean) < 1e-5);
    }
  });

  it('rejects bad shapes, dtypes and masks with FrugalError', () => {
    const q = randn([1, 4, 3, 8]);
    const k = randn([1, 3, 3, 8]);
    assert.throws(
      () => scaledDotProductAttention(q, k, k),
      (e: unknown) => e instanceof FrugalError && e.code === 'E_SHAPE',
    );
    assert.throws(
      () => scaledDotProductAttention(q, q, q, { mask: randn([3, 3]) }),
      (e: unknown) => e instanceof FrugalError && e.code === 'E_DTYPE',
    );
    assert.throws(
      () => scaledDotProductAttention(q, q, q, { mask: tensor([true, false], { dtype: 'bool' }) }),
      (e: unknown) => e instanceof FrugalError && e.code === 'E_SHAPE',
    );
    assert.throws(
      () => scaledDotProductAttention(q, randn([1, 4, 2, 8]), randn([1, 4, 2, 8]), { causal: true }),
      (e: unknown) => e instanceof FrugalError && e.code === 'E_SHAPE',
    );
    assert.throws(
      () => scaledDotProductAttention(randn([4, 3, 8]), q, q),
      (e: unknown) => e instanceof FrugalError,
    );
  });
});
