import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepHorizon } from '../../src/train/horizon.js';

/** Feeds steps of the given durations (after a slow first one) and returns every estimate, by step. */
function estimates(limitS: number, stepS: (step: number) => number, steps: number): Map<number, number> {
  const h = new StepHorizon(limitS);
  const out = new Map<number, number>();
  let t = 5;
  for (let step = 1; step <= steps; step++) {
    const total = h.update(step, t);
    if (total !== undefined) out.set(step, total);
    t += stepS(step + 1);
  }
  return out;
}

describe('StepHorizon', () => {
  it('estimates after the probe steps, leaving the first step out', () => {
    const e = estimates(105, () => 1, 5);
    // After step 5 (elapsed 9 s, 1 s a step since step 1): 96 s left is 96 more steps.
    assert.deepEqual([...e], [[5, 101]]);
  });

  it('re-estimates when the machine slows down, so the schedule ends near the last step', () => {
    const e = estimates(600, (s) => (s <= 100 ? 1 : 4), 200);
    const first = e.get(5)!;
    const last = [...e].at(-1)!;
    assert.ok(first > 500, `first estimate ${first}`);
    // 100 fast steps (~105 s) then 4 s a step: about 100 + 495/4 ≈ 223 steps fit in 600 s.
    assert.ok(Math.abs(last[1] - 223) <= 3, `last estimate ${last[1]} at step ${last[0]}`);
  });

  it('never estimates fewer steps than have run', () => {
    const e = estimates(10, () => 1, 40);
    for (const [step, total] of e) assert.ok(total >= step);
  });
});
