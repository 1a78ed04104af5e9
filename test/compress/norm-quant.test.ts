import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { loadNative } from '../../src/backend/native/binding.js';
import { quantizeRowsReference, quantizeTokensU8 } from '../../src/compress/activation-quant.js';
import { findLayers } from '../../src/compress/layers.js';
import { quantAddon } from '../../src/compress/native.js';
import { fuseNormQuantization, QuantizingLayerNorm } from '../../src/compress/norm-quant.js';
import { quantizeModel } from '../../src/compress/quantize-model.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';
import { TinyEncoder, tokenIds } from './tiny-model.js';

const addon = quantAddon();
const skip = addon ? false : 'needs the native addon';

function randomNorm(dim: number, seed: number): nn.LayerNorm {
  const norm = new nn.LayerNorm(dim, { eps: 1e-6 });
  const rng = new Rng(seed);
  norm.weight?.value.data.set(Float32Array.from({ length: dim }, () => 0.5 + rng.uniform()));
  norm.bias?.value.data.set(Float32Array.from({ length: dim }, () => rng.uniform() - 0.5));
  return norm;
}

describe('QuantizingLayerNorm', () => {
  for (const isa of ['avx512', 'avx2', 'scalar'] as const) {
    it(`${isa}: the same output as LayerNorm, and its codes are quantizeRowsU8 of it`, { skip }, () => {
      assert.ok(addon);
      const native = loadNative();
      assert.ok(native.available);
      native.addon.setIsaMax(isa);
      try {
        const norm = randomNorm(100, 1);
        const fused = QuantizingLayerNorm.from(norm);
        const x = A.constant(F.randn([3, 7, 100], { seed: 2 }));
        const r = A.constant(F.randn([3, 7, 100], { seed: 3 }));
        A.noGrad(() => {
          const pairs = [
            ['forward', () => fused.forward(x), () => norm.forward(x)],
            ['forwardAdd', () => fused.forwardAdd(x, r), () => norm.forwardAdd(x, r)],
          ] as const;
          for (const [name, runFused, runPlain] of pairs) {
            const want = runPlain();
            const got = runFused();
            const out = got.value.toFloat32Array();
            assert.deepEqual(out, want.value.toFloat32Array(), name);
            const ref = quantizeRowsReference(out, 21, 100);
            const separate = addon.quantizeRowsU8;
            let calls = 0;
            addon.quantizeRowsU8 = (...args) => {
              calls++;
              separate(...args);
            };
            const codes = quantizeTokensU8(got.value, 100, addon);
            addon.quantizeRowsU8 = separate;
            assert.equal(calls, 0, `${name}: the norm's codes are used, not quantized again`);
            assert.deepEqual(codes.scales, ref.scales, name);
            assert.deepEqual(
              codes.codes,
              Uint8Array.from(ref.codes, (c) => c + 128),
              name,
            );
          }
        });
        for (const m of [norm, fused]) m.dispose();
        for (const v of [x, r]) v.value.dispose();
      } finally {
        native.addon.setIsaMax('avx512');
      }
    });
  }

  it('copies the parameters and whether they are frozen', () => {
    const norm = randomNorm(8, 6).freeze();
    const q = QuantizingLayerNorm.from(norm);
    assert.deepEqual(q.weight?.value.toFloat32Array(), norm.weight?.value.toFloat32Array());
    assert.deepEqual(q.bias?.value.toFloat32Array(), norm.bias?.value.toFloat32Array());
    assert.equal(q.weight?.requiresGrad, false);
    assert.equal(q.opts.eps, 1e-6);
    for (const m of [norm, q]) m.dispose();
  });

  it('with a gradient it is LayerNorm (the fused path has no backward)', () => {
    const norm = randomNorm(16, 4);
    const fused = QuantizingLayerNorm.from(norm);
    const x = A.param(F.randn([2, 16], { seed: 5 }));
    const y = fused.forward(x);
    assert.ok(y.requiresGrad);
    assert.deepEqual(y.value.toFloat32Array(), norm.forward(x).value.toFloat32Array());
    for (const m of [norm, fused]) m.dispose();
  });

  it('quantizeModel fuses the norms of a u8 x s8 model and the logits do not change', { skip }, () => {
    const ids = F.tensor(tokenIds(4, 16, 50, 2), { shape: [4, 16], dtype: 'i32' });
    const model = new TinyEncoder(50, 64, 2, 1).eval();
    quantizeModel(model, { scheme: 'w8a8' });
    const norms = () =>
      findLayers(model, (m): m is nn.LayerNorm => m instanceof nn.LayerNorm).map((s) => s.layer);
    assert.ok(norms().length > 0);
    assert.ok(norms().every((m) => m instanceof QuantizingLayerNorm));
    const logits = () => A.noGrad(() => model.forward(ids).value.toFloat32Array());
    const fusedLogits = logits();
    // Back to plain norms: every quantized layer quantizes its input itself again.
    for (const block of model.blocks) {
      for (const name of ['norm1', 'norm2'] as const) {
        const old = block[name];
        assert.ok(old instanceof nn.LayerNorm);
        const plain = new nn.LayerNorm(64, old.opts);
        plain.loadStateDict(old.stateDict());
        block.replaceChild(name, plain);
      }
    }
    assert.deepEqual(logits(), fusedLogits);
    assert.equal(fuseNormQuantization(model), 2 * model.blocks.length, 'fused again');
    model.dispose();
    ids.dispose();
  });

  it('leaves a model without u8 x s8 layers alone', () => {
    const model = new TinyEncoder(50, 64, 1, 1).eval();
    quantizeModel(model, { scheme: 'w8a8', weights: { sevenBit: false } });
    assert.equal(fuseNormQuantization(model), 0);
    model.dispose();
  });
});
