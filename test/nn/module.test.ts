import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { isFrugalError } from '../../src/core/errors.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';

const input = (shape: number[], seed: number) => A.constant(F.randn(shape, { seed }));

describe('Module', () => {
  it('names parameters by dotted path in registration order', () => {
    const block = new nn.TransformerBlock(8, 2, { seed: 1, hidden: 16 });
    const names = block.namedParameters().map(([n]) => n);
    assert.deepEqual(names.slice(0, 4), ['norm1.weight', 'norm1.bias', 'attn.q.weight', 'attn.q.bias']);
    assert.ok(names.includes('mlp.down.bias'));
    assert.equal(block.parameterCount(), 2 * 16 + 4 * (64 + 8) + (8 * 16 + 16) + (16 * 8 + 8));
    block.dispose();
  });

  it('round-trips a state dict: a fresh module then computes the same outputs', () => {
    const a = new nn.TransformerBlock(8, 2, { seed: 1, norm: 'rms', mlp: 'swiglu' });
    const b = new nn.TransformerBlock(8, 2, { seed: 2, norm: 'rms', mlp: 'swiglu' });
    const x = input([2, 3, 8], 3);
    const ya = F.tidy(() => a.forward(x, { causal: true }).value.toFlatArray());
    const before = F.tidy(() => b.forward(x, { causal: true }).value.toFlatArray());
    assert.notDeepEqual(before, ya);
    b.loadStateDict(a.stateDict());
    assert.deepEqual(
      F.tidy(() => b.forward(x, { causal: true }).value.toFlatArray()),
      ya,
    );
    // Loading copies: training a afterwards does not change b.
    (a.parameters()[0]!.value.data as Float32Array)[0] = 42;
    assert.notEqual(b.parameters()[0]!.value.get(0), 42);
    for (const m of [a, b, x]) m.dispose();
  });

  it('names the first mismatching key, shape or dtype when loading', () => {
    const lin = new nn.Linear(3, 2, { seed: 1 });
    const sd = () => ({ weight: F.zeros([2, 3]), bias: F.zeros([2]) });
    const expectError = (state: nn.StateDict, code: string, re: RegExp, strict = true) =>
      assert.throws(
        () => lin.loadStateDict(state, { strict }),
        (e) => isFrugalError(e) && e.code === code && re.test(e.message),
      );
    expectError({ weight: F.zeros([2, 3]) }, 'E_NOT_FOUND', /missing key bias/);
    expectError({ ...sd(), extra: F.zeros([1]) }, 'E_NOT_FOUND', /unexpected key extra/);
    expectError({ ...sd(), weight: F.zeros([3, 2]) }, 'E_SHAPE', /shape of weight is \[3,2\]/);
    expectError({ ...sd(), bias: F.zeros([2], 'bf16') }, 'E_DTYPE', /dtype of bias is bf16/, false);
    // Nothing was changed by the failed loads.
    assert.notDeepEqual(lin.weight.value.toFlatArray(), [0, 0, 0, 0, 0, 0]);
    lin.loadStateDict({ weight: F.zeros([2, 3]) }, { strict: false });
    assert.deepEqual(lin.weight.value.toFlatArray(), [0, 0, 0, 0, 0, 0]);
    lin.dispose();
  });

  it('freezes and unfreezes, and switches train/eval recursively', () => {
    const mlp = new nn.MLP(4, 8, 'gelu', { seed: 1 });
    mlp.up.freeze();
    const x = input([2, 4], 2);
    const loss = F.tidy(() => A.sum(mlp.forward(x)));
    loss.backward();
    assert.equal(mlp.up.weight.grad, undefined);
    assert.ok(mlp.down.weight.grad);
    mlp.unfreeze();
    assert.ok(mlp.parameters().every((p) => p.requiresGrad));
    mlp.eval();
    assert.equal(mlp.up.training, false);
    mlp.train();
    assert.equal(mlp.down.training, true);
    for (const m of [mlp, x, loss]) m.dispose();
  });

  it('Linear computes x·Wᵀ + b and its gradients check', () => {
    const lin = new nn.Linear(3, 2, { seed: 4 });
    const x = F.randn([2, 3], { seed: 5 });
    const y = F.tidy(() => lin.forward(A.constant(x)).value.toFlatArray());
    const w = lin.weight.value.toFlatArray();
    const b = lin.bias!.value.toFlatArray();
    const xs = x.toFlatArray();
    for (let i = 0; i < 2; i++) {
      for (let o = 0; o < 2; o++) {
        const ref =
          b[o]! + w[o * 3]! * xs[i * 3]! + w[o * 3 + 1]! * xs[i * 3 + 1]! + w[o * 3 + 2]! * xs[i * 3 + 2]!;
        assert.ok(Math.abs(y[i * 2 + o]! - ref) < 1e-5);
      }
    }
    const r = A.gradcheck(
      (v, wt) => A.add(A.matmul(v, wt, { transB: true }), lin.bias!),
      [x, lin.weight.value],
    );
    assert.ok(r.ok, JSON.stringify(r.worst));
    lin.dispose();
    x.dispose();
  });

  it('initializes deterministically from the seed', () => {
    const a = new nn.Embedding(10, 4, { seed: 7 });
    const b = new nn.Embedding(10, 4, { seed: 7 });
    const c = new nn.Embedding(10, 4, { seed: 8 });
    assert.deepEqual(a.weight.value.toFlatArray(), b.weight.value.toFlatArray());
    assert.notDeepEqual(a.weight.value.toFlatArray(), c.weight.value.toFlatArray());
    const ids = F.tensor([[1, 1, 9]], { dtype: 'i32' });
    const e = F.tidy(() => a.forward(ids));
    assert.deepEqual(e.shape, [1, 3, 4]);
    for (const m of [a, b, c, e]) m.dispose();
    ids.dispose();
  });

  it('Dropout is seeded, scales by 1/(1-p) in training and is the identity in eval', () => {
    const x = A.constant(F.ones([1000]));
    const d1 = new nn.Dropout(0.25, { seed: 3 });
    const d2 = new nn.Dropout(0.25, { seed: 3 });
    const y1 = d1.forward(x).value.toFlatArray();
    assert.deepEqual(d2.forward(x).value.toFlatArray(), y1);
    const kept = y1.filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6));
    assert.ok(Math.abs(kept.length / 1000 - 0.75) < 0.05);
    d1.eval();
    assert.equal(d1.forward(x), x);
    assert.throws(
      () => new nn.Dropout(1),
      (e) => isFrugalError(e, 'E_ARG'),
    );
  });

  it('norm and MLP layers pass gradcheck through their parameters', () => {
    const ln = new nn.LayerNorm(4);
    const rms = new nn.RMSNorm(4);
    const mlp = new nn.MLP(4, 6, 'swiglu', { seed: 9 });
    const x = F.randn([3, 4], { seed: 10 });
    for (const f of [
      (v: A.Variable) => ln.forward(v),
      (v: A.Variable) => rms.forward(v),
      (v: A.Variable) => mlp.forward(v),
    ]) {
      const r = A.gradcheck(f, [x]);
      assert.ok(r.ok, JSON.stringify(r.worst));
    }
    for (const m of [ln, rms, mlp]) m.dispose();
    x.dispose();
  });
});
