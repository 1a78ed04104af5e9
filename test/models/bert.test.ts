import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { type BertConfig, BertForSequenceClassification, resolveConfig } from '../../src/models/index.js';
import * as F from '../../src/ops/index.js';
import { Adam } from '../../src/optim/index.js';

function tinyConfig(): BertConfig {
  const c = resolveConfig('bert-tiny', {
    vocabSize: 50,
    hidden: 16,
    heads: 2,
    intermediate: 32,
    maxPositions: 16,
  });
  assert.ok(c.arch === 'bert');
  return c;
}
const config = tinyConfig();
const ids = (rows: number[][]) => F.tensor(rows, { dtype: 'i32' });

describe('BertForSequenceClassification', () => {
  it('returns [B, T, hidden] states and [B, numLabels] logits', () => {
    const model = new BertForSequenceClassification(config, { seed: 1 }).eval();
    const x = ids([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    F.tidy(() => {
      assert.deepEqual(model.encode(x).shape, [2, 4, 16]);
      assert.deepEqual(model.forward(x).shape, [2, 2]);
    });
    x.dispose();
    model.dispose();
  });

  it('padded positions do not change the logits', () => {
    const model = new BertForSequenceClassification(config, { seed: 2 }).eval();
    const a = ids([[1, 2, 3, 0, 0]]);
    const b = ids([[1, 2, 3, 9, 17]]);
    const mask = ids([[1, 1, 1, 0, 0]]);
    const run = (x: F.Tensor) => F.tidy(() => model.forward(x, mask).value.toFlatArray());
    const la = run(a);
    const lb = run(b);
    for (const [i, v] of la.entries()) {
      assert.ok(Math.abs(v - lb[i]!) < 1e-5, `logit ${i}: ${v} vs ${lb[i]}`);
    }
    const unmasked = F.tidy(() => model.forward(b).value.toFlatArray());
    assert.ok(
      unmasked.some((v, i) => Math.abs(v - la[i]!) > 1e-4),
      'without the mask the padding matters',
    );
    for (const t of [a, b, mask]) t.dispose();
    model.dispose();
  });

  it('mean pooling feeds the pooler the mean of the kept token states, padding ignored', () => {
    const model = new BertForSequenceClassification({ ...config, pooling: 'mean' }, { seed: 4 }).eval();
    const padded = ids([[1, 2, 3, 9, 17]]);
    const mask = ids([[1, 1, 1, 0, 0]]);
    const short = ids([[1, 2, 3]]);
    F.tidy(() => {
      const h = model.encode(padded, mask).value.toFloat32Array();
      const mean = new Float32Array(16);
      for (let t = 0; t < 3; t++) for (let j = 0; j < 16; j++) mean[j]! += h[t * 16 + j]! / 3;
      const byHand = model.classifier
        .forward(A.tanh(model.pooler.forward(A.constant(F.tensor([Array.from(mean)])))))
        .value.toFlatArray();
      const logits = model.forward(padded, mask).value.toFlatArray();
      const alone = model.forward(short).value.toFlatArray();
      for (const [i, v] of logits.entries()) {
        assert.ok(Math.abs(v - byHand[i]!) < 1e-5, `logit ${i}: ${v} vs by hand ${byHand[i]}`);
        assert.ok(Math.abs(v - alone[i]!) < 1e-5, `logit ${i}: ${v} vs unpadded ${alone[i]}`);
      }
      const cls = new BertForSequenceClassification(config, { seed: 4 }).eval();
      const clsLogits = cls.forward(padded, mask).value.toFlatArray();
      assert.ok(
        clsLogits.some((v, i) => Math.abs(v - logits[i]!) > 1e-4),
        'the same weights pool differently',
      );
      cls.dispose();
    });
    const empty = ids([[0, 0, 0]]);
    assert.throws(
      () => F.tidy(() => model.forward(short, empty)),
      (e: Error) => /row 0 keeps no token/.test(e.message),
    );
    for (const t of [padded, mask, short, empty]) t.dispose();
    model.dispose();
  });

  it('mean pooling trains: gradients reach every kept token, none the padding', () => {
    const model = new BertForSequenceClassification({ ...config, pooling: 'mean', dropout: 0 }, { seed: 5 });
    const x = ids([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const mask = ids([
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ]);
    const y = F.tensor([1, 0], { dtype: 'i32' });
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const loss = () => F.tidy(() => A.crossEntropy(model.forward(x, mask), y).value.item());
    const before = loss();
    F.tidy(() => A.crossEntropy(model.forward(x, mask), y).backward());
    const grad = model.wordEmbeddings.weight.grad!.toFloat32Array();
    const rowNorm = (id: number) => Math.hypot(...grad.slice(id * 16, id * 16 + 16));
    for (const id of [1, 2, 3, 4, 5, 6]) assert.ok(rowNorm(id) > 0, `token ${id} gets a gradient`);
    for (const id of [7, 8]) assert.equal(rowNorm(id), 0, `padded token ${id} gets none`);
    opt.step();
    model.zeroGrad();
    for (let i = 0; i < 5; i++) {
      F.tidy(() => {
        A.crossEntropy(model.forward(x, mask), y).backward();
        opt.step();
        model.zeroGrad();
      });
    }
    assert.ok(loss() < before, `loss ${loss()} should drop below ${before}`);
    for (const t of [x, mask, y]) t.dispose();
    model.dispose();
  });

  it('dropout is active in training and off in eval; a training step lowers the loss', () => {
    const model = new BertForSequenceClassification(config, { seed: 3 });
    const x = ids([
      [1, 2, 3, 4],
      [4, 3, 2, 1],
    ]);
    const y = F.tensor([0, 1], { dtype: 'i32' });
    model.eval();
    const e1 = F.tidy(() => model.forward(x).value.toFlatArray());
    const e2 = F.tidy(() => model.forward(x).value.toFlatArray());
    assert.deepEqual(e1, e2);
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const loss = () => F.tidy(() => A.crossEntropy(model.forward(x), y).value.item());
    const before = loss();
    for (let i = 0; i < 5; i++) {
      F.tidy(() => {
        const l = A.crossEntropy(model.forward(x), y);
        l.backward();
        opt.step();
        model.zeroGrad();
      });
    }
    assert.ok(loss() < before, `loss ${loss()} should drop below ${before}`);
    for (const t of [x, y]) t.dispose();
    model.dispose();
  });

  it('rejects sequences longer than maxPositions and misshapen token types; token types matter', () => {
    const model = new BertForSequenceClassification(config, { seed: 4 });
    const x = F.zeros([1, 17], 'i32');
    assert.throws(() => model.encode(x), /at most 16/);
    const short = F.zeros([1, 3], 'i32');
    const types = F.zeros([1, 4], 'i32');
    assert.throws(() => model.encode(short, undefined, types), /tokenTypeIds must be \[1, 3\]/);
    const oneTypes = F.tensor([[0, 1, 1]], { dtype: 'i32' });
    const a = F.tidy(() => model.eval().encode(short).value.toFlatArray());
    const b = F.tidy(() => model.encode(short, undefined, oneTypes).value.toFlatArray());
    assert.notDeepEqual(a, b, 'token types change the states');
    for (const t of [short, types, oneTypes]) t.dispose();
    x.dispose();
    model.dispose();
  });
});
