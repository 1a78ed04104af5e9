import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { betterClassifier, classifyTask, dropTokens } from '../../src/train/tasks/classify.js';

describe('betterClassifier', () => {
  it('ranks validation by accuracy and breaks ties by loss', () => {
    assert.equal(betterClassifier({ accuracy: 0.95, loss: 0.3 }, { accuracy: 0.94, loss: 0.1 }), true);
    assert.equal(betterClassifier({ accuracy: 0.95, loss: 0.2 }, { accuracy: 0.95, loss: 0.3 }), true);
    assert.equal(betterClassifier({ accuracy: 0.95, loss: 0.3 }, { accuracy: 0.95, loss: 0.3 }), false);
    assert.equal(betterClassifier({ accuracy: 0.9, loss: 0.1 }, { accuracy: 0.95, loss: 0.3 }), false);
  });
});

describe('dropTokens', () => {
  it('hides tokens after [CLS] at the given rate, never [CLS] or padding, reproducibly', () => {
    const seqLen = 50;
    const rows = 200;
    const mask = new Int32Array(rows * seqLen);
    // Row r keeps its first 10 + (r % 40) positions; the rest is padding.
    for (let r = 0; r < rows; r++) for (let t = 0; t < 10 + (r % 40); t++) mask[r * seqLen + t] = 1;
    const before = Int32Array.from(mask);
    const dropped = dropTokens(Int32Array.from(mask), seqLen, 0.25, new Rng(7));
    let eligible = 0;
    let hidden = 0;
    for (let i = 0; i < mask.length; i++) {
      if (i % seqLen === 0) assert.equal(dropped[i], 1, `[CLS] of row ${i / seqLen} stays`);
      else if (before[i] === 0) assert.equal(dropped[i], 0, 'padding stays padding');
      else {
        eligible++;
        if (dropped[i] === 0) hidden++;
      }
    }
    const sd = Math.sqrt(eligible * 0.25 * 0.75);
    assert.ok(Math.abs(hidden - 0.25 * eligible) < 4 * sd, `${hidden} of ${eligible} hidden`);
    assert.deepEqual(dropTokens(Int32Array.from(mask), seqLen, 0.25, new Rng(7)), dropped);
    assert.deepEqual(dropTokens(Int32Array.from(mask), seqLen, 0, new Rng(7)), before);
  });

  it('classifyTask refuses a rate outside [0, 1)', () => {
    const data = {} as Parameters<typeof classifyTask>[0];
    assert.throws(
      () => classifyTask(data, { batch: 2, seed: 0, tokenDropout: 1 }),
      (e: unknown) => isFrugalError(e, 'E_ARG') && e.details.field === 'tokenDropout',
    );
  });
});
