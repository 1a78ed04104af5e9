import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noGrad } from '../../src/autograd/index.js';
import { cosineSimilarity } from '../../src/compress/measure.js';
import { planQuantization, quantizeModel } from '../../src/compress/quantize-model.js';
import { QuantizedLinear } from '../../src/compress/quantized-linear.js';
import { isFrugalError } from '../../src/core/errors.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';
import { TinyEncoder, tokenIds } from './tiny-model.js';

function logits(model: TinyEncoder, ids: F.Tensor): Float32Array {
  return noGrad(() => F.tidy(() => model.forward(ids).value.toFloat32Array()));
}

describe('quantizeModel', () => {
  const ids = F.keep(F.tensor(tokenIds(4, 16, 50, 2), { shape: [4, 16], dtype: 'i32' }));

  it('W8A8: attention and feed-forward layers become INT8, heads stay f32, logits cosine > 0.99', () => {
    const model = new TinyEncoder(50, 64, 2, 1).eval();
    const want = logits(model, ids);
    const report = quantizeModel(model, { scheme: 'w8a8', weights: { groupSize: 32 } });
    assert.equal(report.layers.length, 2 * 6);
    assert.deepEqual(report.kept, ['head']);
    assert.ok(report.layers.every((l) => l.bits === 8 && l.groupSize === 32));
    assert.ok(model.blocks[0]!.attn.q instanceof QuantizedLinear, 'the field points at the new layer');
    assert.ok(model.head instanceof nn.Linear);
    const got = logits(model, ids);
    assert.ok(cosineSimilarity(got, want) > 0.99, `cosine ${cosineSimilarity(got, want)}`);
    model.dispose();
  });

  it('W4A8 mixed: INT8 attention, INT4 feed-forward; the state dict holds codes and scales', () => {
    const model = new TinyEncoder(50, 64, 2, 1).eval();
    const want = logits(model, ids);
    const report = quantizeModel(model, { scheme: 'w4a8-mixed' });
    const bits = Object.fromEntries(report.layers.map((l) => [l.path, [l.role, l.bits, l.groupSize]]));
    assert.deepEqual(bits['block0.attn.q'], ['attention', 8, 64]);
    assert.deepEqual(bits['block1.mlp.down'], ['ffn', 4, 128]);
    const sd = model.stateDict();
    assert.equal(sd['block1.mlp.up.weight']!.dtype, 'u8');
    assert.deepEqual(sd['block1.mlp.up.weight']!.shape, [256, 32]);
    assert.deepEqual(sd['block1.mlp.up.weight_scale']!.shape, [256, 1]);
    const got = logits(model, ids);
    assert.ok(cosineSimilarity(got, want) > 0.95, `cosine ${cosineSimilarity(got, want)}`);
    const before = report.layers.reduce((s, l) => s + l.bytesBefore, 0);
    const after = report.layers.reduce((s, l) => s + l.bytesAfter, 0);
    assert.ok(before / after > 4, `compression ${before / after}`);
    model.dispose();
  });

  it('rejects conflicting or invalid options naming the field', () => {
    const model = new TinyEncoder(50, 64, 1, 1);
    const check = (field: string) => (e: unknown) =>
      isFrugalError(e) && e.code === 'E_CONFIG' && e.details.field === field;
    assert.throws(
      () => planQuantization(model, { scheme: 'w8a8', weights: { bits: 4 } }),
      check('weights.bits'),
    );
    assert.throws(() => planQuantization(model, { weights: { groupSize: 48 } }), check('weights.groupSize'));
    const excluded = planQuantization(model, { exclude: ['block0.mlp'] });
    assert.deepEqual(excluded.kept, ['block0.mlp.up', 'block0.mlp.down', 'head']);
    model.dispose();
  });
});
