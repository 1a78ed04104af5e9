import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { loadNative } from '../../src/backend/native/binding.js';
import { quantizeRowsReference, quantizeTokensU8 } from '../../src/compress/activation-quant.js';
import { cosineSimilarity } from '../../src/compress/index.js';
import { quantAddon } from '../../src/compress/native.js';
import { quantizeModel } from '../../src/compress/quantize-model.js';
import { QuantizedLinear } from '../../src/compress/quantized-linear.js';
import { i8Data } from '../../src/compress/tensor-data.js';
import {
  fitsU8S8,
  packU8S8,
  quantizeWeight7Bit,
  u8s8Linear,
  u8s8LinearQuantized,
  u8s8LinearReference,
} from '../../src/compress/u8s8-linear.js';
import { weightCodes } from '../../src/compress/weight-quant.js';
import { isFrugalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';
import type { LinearActivation } from '../../src/ops/linear.js';
import { TinyEncoder, tokenIds } from './tiny-model.js';

const addon = quantAddon();
const skip = addon ? false : 'needs the native addon';

function problem(m: number, n: number, k: number, seed: number, bias: boolean) {
  const rng = new Rng(seed);
  return {
    m,
    n,
    k,
    a: Uint8Array.from({ length: m * k }, () => rng.int(256)),
    scaleA: Float32Array.from({ length: m }, () => rng.uniform() * 0.02),
    // The extremes -64 and 64 are where vpmaddubsw would saturate first.
    w: Int8Array.from({ length: n * k }, (_, i) => (i % 7 === 0 ? (i % 2 ? 64 : -64) : rng.int(129) - 64)),
    scaleW: Float32Array.from({ length: n }, () => rng.uniform() * 0.01),
    bias: bias ? Float32Array.from({ length: n }, () => rng.uniform() - 0.5) : undefined,
  };
}

describe('u8 x s8 INT8 GEMM', () => {
  // Edge shapes: partial row tiles (m % 4 for AVX2, m % 8 for VNNI), partial column panels
  // (n % 16), a k tail (k % 4).
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 37, 45],
    [16, 32, 64],
    [33, 70, 258],
    [130, 48, 1024],
  ];
  // Each level is capped to what the machine has: 'avx512' runs the VNNI kernel where the CPU has
  // it, 'avx2' the vpmaddubsw kernel, 'scalar' the portable one.
  const withIsa = (isa: 'avx512' | 'avx2' | 'scalar', fn: () => void) => {
    const native = loadNative();
    assert.ok(native.available);
    native.addon.setIsaMax(isa);
    try {
      fn();
    } finally {
      native.addon.setIsaMax('avx512');
    }
  };
  for (const isa of ['avx512', 'avx2', 'scalar'] as const) {
    for (const [m, n, k] of shapes) {
      it(`${isa} dispatch, ${m}x${n}x${k}: bit-identical to the TypeScript reference`, { skip }, () => {
        assert.ok(addon);
        const p = problem(m, n, k, m * 1000 + n + k, (m + n) % 2 === 0);
        const got = new Float32Array(m * n);
        withIsa(isa, () =>
          u8s8Linear(addon, packU8S8(addon, p.w, n, k), p.a, p.scaleA, p.scaleW, p.bias, got),
        );
        assert.deepEqual(got, u8s8LinearReference(p));
      });
    }
  }

  const activations: [LinearActivation, (t: F.Tensor) => F.Tensor][] = [
    ['gelu_erf', (t) => F.gelu(t, 'none')],
    ['gelu_tanh', (t) => F.gelu(t, 'tanh')],
    ['relu', F.relu],
    ['silu', F.silu],
  ];
  for (const [activation, op] of activations) {
    for (const dispatch of ['native', 'scalar'] as const) {
      it(`applies ${activation} in the epilogue (${dispatch}): within 1e-6 of it after the GEMM`, {
        skip,
      }, () => {
        assert.ok(addon);
        const p = problem(9, 40, 72, 4, true);
        const pack = packU8S8(addon, p.w, p.n, p.k);
        const fused = new Float32Array(p.m * p.n);
        const run = () => u8s8Linear(addon, pack, p.a, p.scaleA, p.scaleW, p.bias, fused, activation);
        if (dispatch === 'scalar') withIsa('scalar', run);
        else run();
        const plain = F.tensor(u8s8LinearReference(p), { shape: [p.m, p.n] });
        const want = op(plain);
        const ref = want.toFloat32Array();
        for (let i = 0; i < ref.length; i++)
          assert.ok(
            Math.abs(fused[i]! - ref[i]!) <= 1e-6 * (1 + Math.abs(ref[i]!)),
            `${i}: ${fused[i]} vs ${ref[i]}`,
          );
        plain.dispose();
        want.dispose();
      });
    }
  }

  // Row counts around the quantizing GEMM's blocks (256 KiB of f32 rows: 64 rows at n = 1024),
  // odd panels and k tails, with and without an activation.
  const quantShapes: [number, number, number, LinearActivation | 'none'][] = [
    [1, 1, 1, 'none'],
    [70, 1024, 24, 'gelu_erf'],
    [131, 1000, 36, 'none'],
    [9, 40, 72, 'relu'],
  ];
  for (const isa of ['avx512', 'avx2', 'scalar'] as const) {
    for (const [m, n, k, activation] of quantShapes) {
      it(`${isa}, ${m}x${n}x${k} ${activation}: the quantized output is quantizeRowsU8 of the f32 output`, {
        skip,
      }, () => {
        assert.ok(addon);
        const p = problem(m, n, k, m + n + k, true);
        const pack = packU8S8(addon, p.w, n, k);
        const f32 = new Float32Array(m * n);
        const want = { codes: new Uint8Array(m * n), scales: new Float32Array(m) };
        const got = { codes: new Uint8Array(m * n), scales: new Float32Array(m) };
        withIsa(isa, () => {
          u8s8Linear(addon, pack, p.a, p.scaleA, p.scaleW, p.bias, f32, activation);
          addon.quantizeRowsU8(m, n, f32, 0, want.codes, 0, want.scales, 0);
          u8s8LinearQuantized(addon, pack, p.a, p.scaleA, p.scaleW, p.bias, got, activation);
        });
        assert.deepEqual(got.scales, want.scales);
        assert.deepEqual(got.codes, want.codes);
      });
    }
  }

  it('the quantized output checks its arrays', { skip }, () => {
    assert.ok(addon);
    const p = problem(4, 16, 8, 1, false);
    const pack = packU8S8(addon, p.w, 16, 8);
    const short = { codes: new Uint8Array(4 * 16), scales: new Float32Array(3) };
    assert.throws(
      () => u8s8LinearQuantized(addon, pack, p.a, p.scaleA, p.scaleW, undefined, short),
      (e) => isFrugalError(e) && e.code === 'E_SHAPE',
    );
  });

  it('refuses weight codes outside [-64, 64] (they could saturate int16)', { skip }, () => {
    assert.ok(addon);
    const w = Int8Array.from([1, 2, 65, 4]);
    assert.equal(fitsU8S8(w), false);
    assert.throws(() => packU8S8(addon, w, 1, 4), /outside \[-64, 64\]/);
  });

  it('quantizeRowsU8 is quantizeRowsI8 + 128', { skip }, () => {
    assert.ok(addon);
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 5 * 67 }, () => rng.uniform() * 4 - 2);
    const ref = quantizeRowsReference(x, 5, 67);
    const t = F.tensor(x, { shape: [5, 67] });
    const got = quantizeTokensU8(t, 67, addon);
    assert.deepEqual(got.scales, ref.scales);
    assert.deepEqual(
      got.codes,
      Uint8Array.from(ref.codes, (c) => c + 128),
    );
    assert.equal(quantizeTokensU8(t, 67, addon), got, 'the same tensor is quantized once');
    const t2 = F.tensor(x, { shape: [5, 67] });
    assert.notEqual(quantizeTokensU8(t2, 67, addon), got, 'another tensor is quantized again');
    // Later calls reuse the arrays of displaced results; their codes are still the right ones.
    const y = Float32Array.from(x, (v) => -3 * v);
    const yRef = quantizeRowsReference(y, 5, 67);
    const t3 = F.tensor(y, { shape: [5, 67] });
    const third = quantizeTokensU8(t3, 67, addon);
    assert.equal(third.codes, got.codes, 'the arrays of displaced results are reused');
    assert.deepEqual(third.scales, yRef.scales);
    assert.deepEqual(
      third.codes,
      Uint8Array.from(yRef.codes, (c) => c + 128),
    );
    t.dispose();
    t2.dispose();
    t3.dispose();
  });
});

describe('7-bit QuantizedLinear', () => {
  it('quantizes per row to [-63, 63]', () => {
    const rng = new Rng(5);
    const w = F.tensor(
      Float32Array.from({ length: 6 * 40 }, () => rng.uniform() * 2 - 1),
      { shape: [6, 40] },
    );
    const q = quantizeWeight7Bit(w);
    const codes = weightCodes(q);
    assert.ok(codes.every((c) => Math.abs(c) <= 63));
    assert.ok(codes.some((c) => Math.abs(c) === 63));
    w.dispose();
    q.codes.dispose();
    q.scales.dispose();
  });

  it('runs the u8 x s8 kernel and matches the exact int16 kernel on the same codes', { skip }, () => {
    const rng = new Rng(11);
    const lin = new nn.Linear(96, 50, { rng });
    lin.eval();
    const q7 = QuantizedLinear.fromLinear(lin, { bits: 8, sevenBit: true });
    const x = F.tensor(
      Float32Array.from({ length: 3 * 9 * 96 }, () => rng.uniform() * 2 - 1),
      { shape: [3, 9, 96] },
    );
    const fast = q7.forward(A.constant(x));
    assert.deepEqual(fast.shape, [3, 9, 50]);
    // The reference backend runs the int16-pair GEMM on the same codes: equal up to f32 rounding.
    F.useBackend('reference');
    try {
      const slow = q7.forward(A.constant(x));
      const a = fast.value.toFloat32Array();
      const b = slow.value.toFloat32Array();
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)));
      slow.value.dispose();
    } finally {
      F.useBackend('native');
    }
    fast.value.dispose();
    x.dispose();
    q7.dispose();
    lin.dispose();
  });

  it('MLP chains two u8 x s8 projections: the same output as running them one by one', { skip }, () => {
    const mlp = new nn.MLP(48, 192, 'gelu-erf', { rng: new Rng(9) });
    const up = QuantizedLinear.fromLinear(mlp.up, { bits: 8, sevenBit: true });
    const down = QuantizedLinear.fromLinear(mlp.down, { bits: 8, sevenBit: true });
    const x = A.constant(F.randn([3, 5, 48], { seed: 2 }));
    const chained = up.forwardChain(x, 'gelu_erf', down);
    assert.ok(chained, 'both layers run the u8 x s8 kernel, so the chain is taken');
    const hidden = up.forwardFused(x, 'gelu_erf');
    assert.ok(hidden);
    const separate = down.forward(hidden);
    assert.deepEqual(chained.shape, [3, 5, 48]);
    assert.deepEqual(chained.value.toFloat32Array(), separate.value.toFloat32Array());
    assert.equal(up.forwardChain(x, 'gelu_erf', mlp.down), undefined, 'a float next layer is declined');
    for (const v of [chained, hidden, separate, x]) v.value.dispose();
    for (const m of [mlp, up, down]) m.dispose();
  });

  it('rejects sevenBit with groups', () => {
    const lin = new nn.Linear(64, 8, { rng: new Rng(1) });
    assert.throws(
      () => QuantizedLinear.fromLinear(lin, { bits: 8, groupSize: 32, sevenBit: true }),
      (e) => isFrugalError(e) && e.code === 'E_CONFIG',
    );
    lin.dispose();
  });

  it('quantizeModel weights.sevenBit: every INT8 layer holds 7-bit codes, logits stay close', () => {
    const ids = F.tensor(tokenIds(4, 16, 50, 2), { shape: [4, 16], dtype: 'i32' });
    const model = new TinyEncoder(50, 64, 2, 1).eval();
    const logits = () => A.noGrad(() => model.forward(ids).value.toFloat32Array());
    const want = logits();
    const report = quantizeModel(model, { scheme: 'w8a8', weights: { sevenBit: true } });
    assert.equal(report.layers.length, 2 * 6);
    for (const [name, p] of model.namedParameters()) {
      if (p.value.dtype === 'i8') assert.ok(fitsU8S8(i8Data(p.value, name)), name);
    }
    const got = logits();
    assert.ok(cosineSimilarity(got, want) > 0.99, `cosine ${cosineSimilarity(got, want)}`);
    model.dispose();
    ids.dispose();
  });
  it('quantizeModel: 7-bit codes by default for per-row INT8, full range with sevenBit false or groups', () => {
    const maxCode = (opts: Parameters<typeof quantizeModel>[1]) => {
      const model = new TinyEncoder(50, 64, 2, 1).eval();
      quantizeModel(model, opts);
      let max = 0;
      for (const [name, p] of model.namedParameters()) {
        if (p.value.dtype === 'i8') for (const c of i8Data(p.value, name)) max = Math.max(max, Math.abs(c));
      }
      model.dispose();
      return max;
    };
    assert.equal(maxCode({ scheme: 'w8a8' }), 63);
    assert.equal(maxCode({ scheme: 'w8a8', weights: { sevenBit: false } }), 127);
    assert.equal(maxCode({ scheme: 'w8a8', weights: { groupSize: 32 } }), 127);
  });
});
