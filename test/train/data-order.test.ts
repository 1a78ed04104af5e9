import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataOrder } from '../../src/train/data-order.js';

describe('DataOrder', () => {
  it('is a pure function of (seed, step) and visits every row once per epoch', () => {
    const a = new DataOrder(10, 7);
    const steps = [0, 1, 2, 3, 4].map((s) => a.batch(s, 4));
    const fresh = new DataOrder(10, 7);
    assert.deepEqual(fresh.batch(3, 4), steps[3]);
    assert.deepEqual(fresh.batch(1, 4), steps[1]);
    const firstEpoch = [...steps[0]!, ...steps[1]!, ...steps[2]!.slice(0, 2)];
    assert.deepEqual(
      [...firstEpoch].sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.notDeepEqual(new DataOrder(10, 8).batch(0, 10), a.batch(0, 10));
  });
});
