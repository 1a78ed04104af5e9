import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { isFrugalError } from '../../src/core/errors.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';

const close = (a: number[], b: number[], tol = 1e-5) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

describe('MultiHeadAttention', () => {
  it('causal: an output position does not see later positions', () => {
    const attn = new nn.MultiHeadAttention(8, 2, { seed: 1 });
    const x = F.randn([1, 5, 8], { seed: 2 });
    const x2 = F.tidy(() => F.concat([x.slice(1, 0, 3), F.randn([1, 2, 8], { seed: 3 })], 1));
    const run = (t: F.Tensor) =>
      F.tidy(() => attn.forward(A.constant(t), { causal: true }).value.toFlatArray());
    const a = run(x);
    const b = run(x2);
    assert.ok(close(a.slice(0, 24), b.slice(0, 24)), 'first three positions unchanged');
    assert.ok(!close(a.slice(24), b.slice(24)), 'later positions do change');
    attn.dispose();
    x.dispose();
    x2.dispose();
  });

  it('decoding with a KV cache reproduces the full causal pass', () => {
    const block = new nn.TransformerBlock(8, 2, { seed: 4, norm: 'rms', mlp: 'swiglu' });
    const x = F.randn([2, 4, 8], { seed: 5 });
    const full = F.tidy(() => block.forward(A.constant(x), { causal: true }).value.toFlatArray());
    const cache = new nn.KVCache();
    const steps: number[][] = [];
    A.noGrad(() => {
      for (let t = 0; t < 4; t++) {
        steps.push(
          F.tidy(() =>
            block.forward(A.constant(x.slice(1, t, t + 1)), { cache, causal: true }).value.toFlatArray(),
          ),
        );
      }
    });
    assert.equal(cache.length, 4);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 4; t++) {
        const want = full.slice((b * 4 + t) * 8, (b * 4 + t + 1) * 8);
        const got = steps[t]!.slice(b * 8, (b + 1) * 8);
        assert.ok(close(got, want, 1e-4), `batch ${b} step ${t}`);
      }
    }
    cache.clear();
    block.dispose();
    x.dispose();
  });

  it('cross-attends to a context of another length and honours a padding mask', () => {
    const attn = new nn.MultiHeadAttention(8, 4, { seed: 6 });
    const x = A.constant(F.randn([2, 3, 8], { seed: 7 }));
    const ctx = F.randn([2, 5, 8], { seed: 8 });
    const mask = nn.paddingMask([5, 2], 5);
    const y = F.tidy(() => attn.forward(x, { context: A.constant(ctx), mask }));
    assert.deepEqual(y.shape, [2, 3, 8]);
    // Changing padded keys of sequence 1 leaves its outputs alone.
    const ctx2 = F.tidy(() => F.concat([ctx.slice(1, 0, 2), F.randn([2, 3, 8], { seed: 9 })], 1));
    const y2 = F.tidy(() => attn.forward(x, { context: A.constant(ctx2), mask }));
    const a = y.value.toFlatArray();
    const b = y2.value.toFlatArray();
    assert.ok(close(a.slice(24), b.slice(24)));
    assert.ok(!close(a.slice(0, 24), b.slice(0, 24)));
    for (const t of [ctx, ctx2, mask]) t.dispose();
    for (const v of [attn, x, y, y2]) v.dispose();
  });

  it('passes gradcheck with a causal mask', () => {
    const attn = new nn.MultiHeadAttention(4, 2, { seed: 10 });
    const x = F.randn([1, 3, 4], { seed: 11 });
    const r = A.gradcheck((v) => attn.forward(v, { causal: true }), [x]);
    assert.ok(r.ok, JSON.stringify(r.worst));
    attn.dispose();
    x.dispose();
  });

  it('rejects bad shapes and a cache used with gradients', () => {
    assert.throws(
      () => new nn.MultiHeadAttention(6, 4),
      (e) => isFrugalError(e, 'E_ARG'),
    );
    const attn = new nn.MultiHeadAttention(4, 2, { seed: 1 });
    const x = A.param(F.randn([1, 2, 4], { seed: 2 }));
    assert.throws(
      () => attn.forward(A.constant(F.randn([2, 4]))),
      (e) => isFrugalError(e, 'E_SHAPE'),
    );
    assert.throws(() => attn.forward(x, { cache: new nn.KVCache() }), /noGrad/);
    attn.dispose();
    x.dispose();
  });

  it('drops attention probabilities in training only, also without gradients', () => {
    const dropping = new nn.MultiHeadAttention(8, 2, { seed: 12, dropout: 0.5 });
    const plain = new nn.MultiHeadAttention(8, 2, { seed: 12 });
    const x = A.constant(F.randn([1, 4, 8], { seed: 13 }));
    const run = (m: nn.MultiHeadAttention) => A.noGrad(() => F.tidy(() => m.forward(x).value.toFlatArray()));
    assert.ok(!close(run(dropping), run(dropping)), 'two training passes drop differently');
    dropping.eval();
    plain.eval();
    assert.ok(close(run(dropping), run(plain)), 'eval is plain attention');
    for (const v of [dropping, plain, x]) v.dispose();
  });

  it('with headDim and scale options gives heads·headDim ≠ dim (T5) and passes gradcheck', () => {
    const attn = new nn.MultiHeadAttention(4, 2, { seed: 14, headDim: 3, scale: 1, kvHeads: 1, bias: false });
    assert.deepEqual(attn.q.weight.shape, [6, 4]);
    assert.deepEqual(attn.k.weight.shape, [3, 4]);
    const x = F.randn([1, 3, 4], { seed: 15 });
    const r = A.gradcheck((v) => attn.forward(v, { causal: true }), [x]);
    assert.ok(r.ok, JSON.stringify(r.worst));
    assert.throws(() => new nn.MultiHeadAttention(8, 4, { kvHeads: 3 }), /kvHeads/);
    attn.dispose();
    x.dispose();
  });
});
