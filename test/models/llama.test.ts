import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { LlamaCache, type LlamaConfig, LlamaForCausalLM, resolveConfig } from '../../src/models/index.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';
import { Adam } from '../../src/optim/index.js';

function tinyConfig(overrides: Record<string, unknown> = {}): LlamaConfig {
  const c = resolveConfig('llama-tiny', {
    vocabSize: 40,
    hidden: 16,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediate: 24,
    maxPositions: 32,
    ...overrides,
  });
  assert.ok(c.arch === 'llama');
  return c;
}

const ids = (row: number[]) => F.tensor(Int32Array.from(row), { shape: [1, row.length] });
const logitsOf = (model: LlamaForCausalLM, row: number[]) =>
  F.tidy(() => {
    const x = ids(row);
    return model.forward(x).value.toFlatArray();
  });

/** Greedy decoding by recomputing the whole sequence every step (no cache). */
function greedyByRecompute(model: LlamaForCausalLM, prompt: number[], n: number): number[] {
  const seq = [...prompt];
  const v = model.config.vocabSize;
  for (let i = 0; i < n; i++) {
    const logits = logitsOf(model, seq).slice((seq.length - 1) * v);
    seq.push(logits.indexOf(Math.max(...logits)));
  }
  return seq.slice(prompt.length);
}

describe('LlamaForCausalLM', () => {
  it('returns logits [B, T, vocab] with tied and untied heads', () => {
    for (const tie of [true, false]) {
      const model = new LlamaForCausalLM(tinyConfig({ tieEmbeddings: tie }), { seed: 1 });
      const x = F.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: 'i32' },
      );
      assert.deepEqual(
        F.tidy(() => model.forward(x).shape),
        [2, 3, 40],
      );
      assert.equal(
        model.namedParameters().some(([n]) => n.startsWith('lmHead')),
        !tie,
      );
      x.dispose();
      model.dispose();
    }
  });

  it('is causal: changing a later token leaves earlier logits alone', () => {
    const model = new LlamaForCausalLM(tinyConfig(), { seed: 2 });
    const a = logitsOf(model, [1, 2, 3, 4, 5]);
    const b = logitsOf(model, [1, 2, 3, 9, 11]);
    const v = 40;
    for (let i = 0; i < 3 * v; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `logit ${i}`);
    assert.ok(a.slice(3 * v).some((x, i) => Math.abs(x - b[3 * v + i]!) > 1e-4));
    model.dispose();
  });

  it('grouped-query attention with kvHeads == heads is plain multi-head attention', () => {
    const gqa = new nn.MultiHeadAttention(16, 4, { seed: 3, kvHeads: 4 });
    const mha = new nn.MultiHeadAttention(16, 4, { seed: 4 });
    mha.loadStateDict(gqa.stateDict());
    const x = A.constant(F.randn([2, 5, 16], { seed: 5 }));
    const ya = F.tidy(() => gqa.forward(x, { causal: true }).value.toFlatArray());
    const yb = F.tidy(() => mha.forward(x, { causal: true }).value.toFlatArray());
    assert.deepEqual(ya, yb);
    // With 2 key/value heads, repeating each one twice matches heads that share k/v weights.
    const grouped = new nn.MultiHeadAttention(16, 4, { seed: 6, kvHeads: 2, bias: false });
    const full = new nn.MultiHeadAttention(16, 4, { seed: 7, bias: false });
    const sd = grouped.stateDict();
    const dup = (w: F.Tensor) =>
      F.reshape(F.contiguous(w.view([2, 1, 4, 16]).expand([2, 2, 4, 16])), [16, 16]);
    full.loadStateDict({ ...sd, 'k.weight': dup(sd['k.weight']!), 'v.weight': dup(sd['v.weight']!) });
    const yc = F.tidy(() => grouped.forward(x, { causal: true }).value.toFlatArray());
    const yd = F.tidy(() => full.forward(x, { causal: true }).value.toFlatArray());
    for (const [i, v] of yc.entries()) assert.ok(Math.abs(v - yd[i]!) < 1e-5);
    for (const m of [gqa, mha, grouped, full]) m.dispose();
    x.dispose();
  });

  it('RoPE: q·k depends only on the relative position', () => {
    const rope = new nn.RotaryEmbedding(8, 10000);
    const q = F.randn([1, 1, 1, 8], { seed: 8 });
    const k = F.randn([1, 1, 1, 8], { seed: 9 });
    const dot = (pq: number, pk: number) =>
      F.tidy(() => {
        const rq = rope.apply(A.constant(q), pq).value.toFlatArray();
        const rk = rope.apply(A.constant(k), pk).value.toFlatArray();
        return rq.reduce((s, v, i) => s + v * rk[i]!, 0);
      });
    assert.ok(Math.abs(dot(3, 1) - dot(10, 8)) < 1e-4);
    assert.ok(Math.abs(dot(0, 0) - dot(7, 7)) < 1e-4);
    assert.ok(Math.abs(dot(3, 1) - dot(1, 3)) > 1e-4, 'the sign of the offset matters');
    q.dispose();
    k.dispose();
  });

  it('KV-cached forward equals the full pass; generate equals greedy recomputation', () => {
    const model = new LlamaForCausalLM(tinyConfig(), { seed: 10 });
    const row = [3, 1, 4, 1, 5, 9];
    const full = logitsOf(model, row);
    const cache = new LlamaCache(2);
    const parts: number[] = [];
    A.noGrad(() => {
      for (const chunk of [row.slice(0, 4), row.slice(4, 5), row.slice(5)]) {
        parts.push(...F.tidy(() => model.forward(ids(chunk), { cache }).value.toFlatArray()));
      }
    });
    assert.equal(cache.length, 6);
    cache.clear();
    for (const [i, v] of parts.entries()) assert.ok(Math.abs(v - full[i]!) < 1e-4, `logit ${i}`);
    const streamed: number[] = [];
    const got = model.generate([3, 1, 4], { maxNewTokens: 6, onToken: (id) => streamed.push(id) });
    assert.deepEqual(got, greedyByRecompute(model, [3, 1, 4], 6));
    assert.deepEqual(streamed, got);
    model.dispose();
  });

  it('sampling is seeded, top-k 1 is greedy, and eosId stops', () => {
    const model = new LlamaForCausalLM(tinyConfig(), { seed: 11 });
    const prompt = [2, 7];
    const opts = { maxNewTokens: 8, temperature: 1.5, topP: 0.9, seed: 5 };
    const a = model.generate(prompt, opts);
    assert.deepEqual(model.generate(prompt, opts), a);
    const others = [6, 7, 8].map((seed) => model.generate(prompt, { ...opts, seed }).join());
    assert.ok(
      others.some((o) => o !== a.join()),
      'other seeds give other samples',
    );
    const greedy = model.generate(prompt, { maxNewTokens: 8 });
    assert.deepEqual(model.generate(prompt, { maxNewTokens: 8, temperature: 2, topK: 1, seed: 3 }), greedy);
    const stopped = model.generate(prompt, { maxNewTokens: 8, eosId: greedy[2]! });
    assert.deepEqual(stopped, greedy.slice(0, greedy.indexOf(greedy[2]!) + 1));
    assert.throws(() => model.generate(prompt, { maxNewTokens: 31 }), /maxPositions/);
    assert.throws(() => model.generate(prompt, { maxNewTokens: 2, topP: 0 }), /topP/);
    const before = F.memoryInfo();
    model.generate(prompt, { maxNewTokens: 4, temperature: 1, seed: 1 });
    const after = F.memoryInfo();
    assert.deepEqual(
      [after.liveTensors, after.liveBytes],
      [before.liveTensors, before.liveBytes],
      'generate frees everything',
    );
    model.dispose();
  });

  it('trains: a rotary GQA block passes gradcheck and a few Adam steps lower the loss', () => {
    const model = new LlamaForCausalLM(
      tinyConfig({ hidden: 8, heads: 2, kvHeads: 1, intermediate: 8, layers: 1, vocabSize: 7 }),
      { seed: 12 },
    );
    const x = ids([1, 2, 3, 4]);
    const y = F.tensor([2, 3, 4, 5], { dtype: 'i32' });
    const loss = () => A.crossEntropy(A.reshape(model.forward(x), [4, 7]), y);
    const block = model.blocks.items[0]!;
    const h = F.randn([1, 3, 8], { seed: 13 });
    const r = A.gradcheck((v) => block.forward(v, { causal: true }), [h]);
    assert.ok(r.ok, JSON.stringify(r.worst));
    h.dispose();
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const before = F.tidy(() => loss().value.item());
    for (let i = 0; i < 5; i++) {
      F.tidy(() => {
        loss().backward();
        opt.step();
        model.zeroGrad();
      });
    }
    assert.ok(F.tidy(() => loss().value.item()) < before);
    x.dispose();
    y.dispose();
    model.dispose();
  });
});
