import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { betterClassifier } from '../../src/train/tasks/classify.js';

describe('betterClassifier', () => {
  it('ranks validation by accuracy and breaks ties by loss', () => {
    assert.equal(betterClassifier({ accuracy: 0.95, loss: 0.3 }, { accuracy: 0.94, loss: 0.1 }), true);
    assert.equal(betterClassifier({ accuracy: 0.95, loss: 0.2 }, { accuracy: 0.95, loss: 0.3 }), true);
    assert.equal(betterClassifier({ accuracy: 0.95, loss: 0.3 }, { accuracy: 0.95, loss: 0.3 }), false);
    assert.equal(betterClassifier({ accuracy: 0.9, loss: 0.1 }, { accuracy: 0.95, loss: 0.3 }), false);
  });
});
