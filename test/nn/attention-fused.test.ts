import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { loadNative } from '../../src/backend/native/binding.js';
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

  // Head sizes past one vector (the register tiles of 4 x 4 vectors on AVX-512, 4 x 2 on AVX2),
  // with column tails, key blocks with tails, more than one unit of queries, at every ISA level.
  const native = loadNative();
  const shapes: [string, number, number, number, boolean][] = [
    ['d 64, 133 tokens, padding', 256, 4, 133, false],
    ['d 72, 70 tokens, causal', 144, 2, 70, true],
    ['d 20, 300 tokens (two key blocks), padding', 80, 4, 300, false],
  ];
  for (const isa of ['avx512', 'avx2', 'scalar'] as const) {
    for (const [name, hidden, heads, t, causal] of shapes) {
      it(`${isa}: fused kernel matches the differentiable path, ${name}`, { skip: !native.available }, () => {
        assert.ok(native.available);
        const attn = new nn.MultiHeadAttention(hidden, heads, { seed: 5 });
        const x = F.randn([2, t, hidden], { seed: 6 });
        const mask = causal
          ? undefined
          : F.tensor(
              Array.from({ length: 2 * t }, (_, i) => i < t || i % t < t - 9),
              { dtype: 'bool', shape: [2, 1, 1, t] },
            );
        const c: nn.AttentionCall = causal ? { causal: true } : { mask };
        const train = F.tidy(() => attn.forward(A.constant(x), c).value.toFlatArray());
        native.addon.setIsaMax(isa);
        try {
          resetDispatchCounts();
          const infer = F.tidy(() => A.noGrad(() => attn.forward(A.constant(x), c).value.toFlatArray()));
          assert.ok(
            Object.keys(dispatchCounts()).some((k) => k.endsWith(':attention')),
            'the fused op ran',
          );
          assert.ok(close(infer, train, 1e-4), `${isa} ${name}`);
        } finally {
          native.addon.setIsaMax('avx512');
        }
        mask?.dispose();
        x.dispose();
        attn.dispose();
      });
    }
  }
});
