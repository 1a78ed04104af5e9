import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { dispatchCounts, resetDispatchCounts } from '../../src/backend/registry.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';

const close = (a: number[], b: number[], tol = 1e-5) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

describe('MultiHeadAttention inference path', () => {
  const cases: [string, nn.AttentionOptions, (b: number, t: number) => nn.AttentionCall][] = [
    [
      'padding mask',
      {},
      (b, t) => ({
        mask: F.tensor(
          Array.from({ length: b * t }, (_, i) => i % t < t - (i < t ? 0 : 2)),
          { dtype: 'bool', shape: [b, 1, 1, t] },
        ),
      }),
    ],
    [
      'causal, grouped-query, rope',
      { kvHeads: 2, rope: new nn.RotaryEmbedding(4) },
      () => ({ causal: true }),
    ],
  ];
  for (const [name, opts, call] of cases) {
    it(`noGrad (fused kernel) matches the differentiable path: ${name}`, () => {
      const attn = new nn.MultiHeadAttention(16, 4, { seed: 3, ...opts });
      const x = F.randn([2, 6, 16], { seed: 4 });
      const c = call(2, 6);
      const train = F.tidy(() => attn.forward(A.constant(x), c).value.toFlatArray());
      resetDispatchCounts();
      const infer = F.tidy(() => A.noGrad(() => attn.forward(A.constant(x), c).value.toFlatArray()));
      const counts = dispatchCounts();
      assert.ok(
        Object.keys(counts).some((k) => k.endsWith(':attention')),
        'the fused op ran',
      );
      assert.ok(close(infer, train), name);
      c.mask?.dispose();
      x.dispose();
      attn.dispose();
    });
  }
});
