import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { BagOfWordsClassifier, fitBaseline } from '../../src/train/baseline.js';
import { binaryMetrics } from '../../src/train/metrics.js';

/** Documents over 40 token ids: class 1 draws more often from ids 0..9, class 0 from 10..19, both share 20..39. */
function corpus(n: number, seed: number) {
  const rng = new Rng(seed);
  const docs: number[][] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const doc: number[] = [];
    for (let k = 0; k < 12; k++) {
      const own = rng.uniform() < 0.3;
      doc.push(own ? (labels[i] === 1 ? 0 : 10) + rng.int(10) : 20 + rng.int(20));
    }
    docs.push(doc);
  }
  return { docs, labels };
}

describe('bag-of-words logistic regression', () => {
  it('beats chance by far on a separable toy set, deterministically', () => {
    const train = corpus(200, 1);
    const val = corpus(100, 2);
    const test = corpus(200, 3);
    const a = fitBaseline(train, val, 40);
    const m = binaryMetrics(a.model.predict(test.docs), test.labels);
    assert.ok(m.accuracy > 0.85 && m.f1 > 0.85, JSON.stringify(m));
    const b = fitBaseline(train, val, 40);
    assert.deepEqual(b.model.predictProba(test.docs), a.model.predictProba(test.docs));
  });

  it('rejects token ids outside the vocabulary and mismatched labels', () => {
    assert.throws(
      () => BagOfWordsClassifier.fit([[1, 50]], [1], 40, { l2: 0 }),
      (e) => isFrugalError(e, 'E_INDEX'),
    );
    assert.throws(
      () => BagOfWordsClassifier.fit([[1]], [1, 0], 40, { l2: 0 }),
      (e) => isFrugalError(e, 'E_SHAPE'),
    );
  });
});

describe('binaryMetrics', () => {
  it('counts spam as the positive class', () => {
    const m = binaryMetrics([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]);
    assert.equal(m.accuracy, 3 / 5);
    assert.equal(m.precision, 2 / 3);
    assert.equal(m.recall, 2 / 3);
    assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-12);
  });
});
