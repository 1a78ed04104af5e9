import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';

const close = (a: number[], b: number[], tol = 1e-4) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

describe('TransformerBlock inference path', () => {
  for (const placement of ['post', 'pre'] as const) {
    it(`${placement}-norm: noGrad matches the graph path and keeps only its output alive`, () => {
      const block = new nn.TransformerBlock(32, 4, { seed: 1, placement, mlp: 'gelu-erf' });
      const x = A.constant(F.randn([2, 9, 32], { seed: 2 }));
      const train = F.tidy(() => block.forward(x).value.toFlatArray());
      const before = F.memoryInfo().liveBytes;
      const y = A.noGrad(() => block.forward(x));
      assert.equal(
        F.memoryInfo().liveBytes - before,
        2 * 9 * 32 * 4,
        'only the [2, 9, 32] f32 output is live',
      );
      assert.ok(close(y.value.toFlatArray(), train));
      y.dispose();
    });
  }

  it('leaves traced attention probabilities alive for the caller', () => {
    const block = new nn.TransformerBlock(16, 2, { seed: 3, placement: 'post' });
    const probs: A.Variable[] = [];
    const y = A.noGrad(() => block.forward(A.constant(F.randn([1, 5, 16], { seed: 4 })), { probs }));
    assert.equal(probs.length, 1);
    assert.deepEqual(probs[0]!.shape, [1, 2, 5, 5]);
    assert.ok(probs[0]!.value.toFlatArray().every(Number.isFinite));
    y.dispose();
  });
});
