import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import {
  relativeBucket,
  resolveConfig,
  T5Cache,
  type T5Config,
  T5ForConditionalGeneration,
} from '../../src/models/index.js';
import * as F from '../../src/ops/index.js';
import { Adam } from '../../src/optim/index.js';

function tinyConfig(overrides: Record<string, unknown> = {}): T5Config {
  const c = resolveConfig('t5-tiny', {
    vocabSize: 30,
    hidden: 16,
    layers: 2,
    decoderLayers: 2,
    heads: 2,
    headDim: 6,
    ff: 24,
    relativeBuckets: 8,
    relativeMaxDistance: 16,
    dropout: 0,
    ...overrides,
  });
  assert.ok(c.arch === 't5');
  return c;
}

const ids = (rows: number[][]) => F.tensor(rows, { dtype: 'i32' });
const run = (model: T5ForConditionalGeneration, enc: number[][], dec: number[][], mask?: number[][]) =>
  F.tidy(() => model.forward(ids(enc), ids(dec), mask ? ids(mask) : undefined).value.toFlatArray());

describe('T5ForConditionalGeneration', () => {
  it('buckets relative positions like Hugging Face T5', () => {
    assert.equal(relativeBucket(0, true, 32, 128), 0);
    assert.equal(relativeBucket(1, true, 32, 128), 17);
    assert.equal(relativeBucket(-1, true, 32, 128), 1);
    assert.equal(relativeBucket(-8, true, 32, 128), 8);
    assert.equal(relativeBucket(-100, true, 32, 128), 15);
    assert.equal(relativeBucket(-1000, true, 32, 128), 15);
    assert.equal(relativeBucket(5, false, 32, 128), 0);
    assert.equal(relativeBucket(-10, false, 32, 128), 10);
    assert.equal(relativeBucket(-20, false, 32, 128), 17);
  });

  it('returns [B, Tdec, vocab] logits for relu/tied and gated-gelu/untied variants', () => {
    for (const overrides of [{}, { ffActivation: 'gated-gelu', tieEmbeddings: false }]) {
      const model = new T5ForConditionalGeneration(tinyConfig(overrides), { seed: 1 });
      const logits = run(
        model,
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
        [
          [0, 9, 10],
          [0, 11, 12],
        ],
      );
      assert.equal(logits.length, 2 * 3 * 30);
      assert.ok(logits.every(Number.isFinite));
      model.dispose();
    }
  });

  it('masks encoder padding and keeps the decoder causal', () => {
    const model = new T5ForConditionalGeneration(tinyConfig(), { seed: 2 });
    const mask = [[1, 1, 1, 0, 0]];
    const a = run(model, [[1, 2, 3, 0, 0]], [[0, 4, 5]], mask);
    const b = run(model, [[1, 2, 3, 7, 9]], [[0, 4, 5]], mask);
    for (const [i, v] of a.entries()) assert.ok(Math.abs(v - b[i]!) < 1e-5, `padding changed logit ${i}`);
    const c = run(model, [[1, 2, 3, 0, 0]], [[0, 4, 13]], mask);
    for (let i = 0; i < 2 * 30; i++) assert.ok(Math.abs(a[i]! - c[i]!) < 1e-5, `causality at logit ${i}`);
    assert.ok(a.slice(60).some((v, i) => Math.abs(v - c[60 + i]!) > 1e-4));
    model.dispose();
  });

  it('generate (cached decoder) equals greedy recomputation; sampling is seeded', () => {
    const model = new T5ForConditionalGeneration(tinyConfig(), { seed: 3 });
    const input = [4, 8, 15, 16];
    const dec = [0];
    for (let i = 0; i < 5; i++) {
      const logits = run(model, [input], [dec]).slice((dec.length - 1) * 30);
      dec.push(logits.indexOf(Math.max(...logits)));
    }
    assert.deepEqual(model.generate(input, { maxNewTokens: 5, decoderStartId: 0 }), dec.slice(1));
    const full = run(model, [input], [dec]);
    const cache = new T5Cache(2);
    const stepped = A.noGrad(() => {
      const enc = ids([input]);
      const encoded = model.encode(enc);
      const out = [dec.slice(0, 4), dec.slice(4)].flatMap((chunk) =>
        F.tidy(() => model.decode(ids([chunk]), encoded, undefined, cache).value.toFlatArray()),
      );
      enc.dispose();
      return out;
    });
    assert.equal(cache.length, dec.length);
    assert.equal(cache.cross[0]!.length, input.length, 'cross keys/values are projected once');
    cache.clear();
    for (const [i, v] of stepped.entries()) assert.ok(Math.abs(v - full[i]!) < 1e-4, `cached logit ${i}`);
    const opts = { maxNewTokens: 6, decoderStartId: 0, temperature: 1, topK: 10, seed: 9 };
    assert.deepEqual(model.generate(input, opts), model.generate(input, opts));
    const before = F.memoryInfo();
    model.generate(input, { maxNewTokens: 4, decoderStartId: 0 });
    const after = F.memoryInfo();
    assert.deepEqual(
      [after.liveTensors, after.liveBytes],
      [before.liveTensors, before.liveBytes],
      'generate frees everything',
    );
    model.dispose();
  });

  it('a few Adam steps lower the loss; relative-bias attention passes gradcheck', () => {
    const model = new T5ForConditionalGeneration(tinyConfig({ ffActivation: 'gated-gelu' }), { seed: 4 });
    const enc = ids([[1, 2, 3]]);
    const dec = ids([[0, 4, 5]]);
    const y = F.tensor([4, 5, 6], { dtype: 'i32' });
    const loss = () => A.crossEntropy(A.reshape(model.forward(enc, dec), [3, 30]), y);
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const before = F.tidy(() => loss().value.item());
    for (let i = 0; i < 5; i++) {
      F.tidy(() => {
        loss().backward();
        opt.step();
        model.zeroGrad();
      });
    }
    assert.ok(F.tidy(() => loss().value.item()) < before);
    const block = model.decoder.blocks.items[0]!;
    const context = A.constant(F.randn([1, 2, 16], { seed: 5 }));
    const x = F.randn([1, 3, 16], { seed: 6 });
    const r = A.gradcheck(
      (v) => block.forward(v, { scoreBias: model.decoder.positionBias(3, 3, 0), causal: true }, { context }),
      [x],
    );
    assert.ok(r.ok, JSON.stringify(r.worst));
    for (const t of [enc, dec, y, x]) t.dispose();
    context.dispose();
    model.dispose();
  });
});
