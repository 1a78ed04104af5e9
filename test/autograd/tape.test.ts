import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { isFrugalError } from '../../src/core/errors.js';
import * as F from '../../src/ops/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

describe('tape', () => {
  it('accumulates gradients across backward calls and into shared leaves', () => {
    const x = A.param(F.tensor([1, 2, 3]));
    const y = F.tidy(() => A.sum(A.mul(x, x)));
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    const z = F.tidy(() => A.sum(A.add(x, x)));
    z.backward();
    assert.deepEqual(x.grad!.toArray(), [4, 6, 8]);
    x.dispose();
    y.dispose();
    z.dispose();
  });

  it('records nothing under noGrad and refuses backward there', () => {
    const x = A.param(F.tensor([1, 2]));
    const y = A.noGrad(() => A.sum(A.exp(x)));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.node, undefined);
    assert.throws(
      () => y.backward(),
      (e) => isFrugalError(e, 'E_ARG'),
    );
    x.dispose();
    y.dispose();
  });

  it('frees the graph after backward and refuses a second pass', () => {
    const x = A.param(F.tensor([1, 2]));
    const y = A.sum(A.tanh(x));
    y.backward();
    assert.throws(() => y.backward(), /backward\(\) ran twice/);
    x.dispose();
    y.dispose();
  });

  it('releases every saved tensor and intermediate once backward is done', () => {
    const start = F.memoryInfo().liveBytes;
    const w = A.param(F.randn([16, 16], { seed: 1 }));
    const x = A.constant(F.randn([8, 16], { seed: 2 }));
    const paramBytes = F.memoryInfo().liveBytes - start;
    const loss = F.tidy(() => A.mean(A.gelu(A.matmul(A.tanh(A.matmul(x, w)), w, { transB: true }))));
    assert.ok(F.memoryInfo().liveBytes - start > paramBytes + 4, 'the graph holds saved activations');
    loss.backward();
    // Left: parameters, the loss scalar and w.grad.
    assert.equal(F.memoryInfo().liveBytes - start, paramBytes + 4 + 16 * 16 * 4);
    for (const v of [w, x, loss]) v.dispose();
    assert.equal(F.memoryInfo().liveBytes, start);
  });

  it('frees each node’s saved tensors right after its rule runs', () => {
    const n = 1024;
    const x = A.param(F.randn([n], { seed: 3 }));
    const seen: number[] = [];
    const hooks: A.SavedTensorHooks = {
      pack: (t) => F.keep(new F.Tensor(t.storage, t.shape, t.strides, t.offset)),
      unpack: (p) => {
        seen.push(F.memoryInfo().liveBytes);
        return p as Tensor;
      },
    };
    // tanh saves its output: three saved activations of n floats.
    const y = F.tidy(() => A.withSavedTensorHooks(hooks, () => A.tanh(A.tanh(A.tanh(x)))));
    // Drop the caller's handle on the output: from here only the graph keeps activations alive.
    y.value.dispose();
    y.backward();
    assert.equal(seen.length, 3);
    // Between consecutive rules one activation (n floats) is gone for good.
    assert.equal(seen[0]! - seen[1]!, n * 4);
    assert.equal(seen[1]! - seen[2]!, n * 4);
    x.dispose();
    y.dispose();
  });

  it('routes every saved tensor through the hook, so a compressing hook can replace storage', () => {
    const packed: number[] = [];
    // Stores saved tensors as bf16 and restores f32 on unpack: a toy activation compressor.
    const hooks: A.SavedTensorHooks = {
      pack: (t) => {
        packed.push(t.size);
        return F.keep(F.cast(t, 'bf16'));
      },
      unpack: (p) => {
        const c = F.cast(p as Tensor, 'f32');
        (p as Tensor).dispose();
        return c;
      },
      discard: (p) => (p as Tensor).dispose(),
    };
    const run = (withHooks: boolean) => {
      const w = A.param(F.randn([4, 4], { seed: 5 }));
      const x = A.constant(F.randn([3, 4], { seed: 6 }));
      const f = () => A.sum(A.sigmoid(A.matmul(x, w)));
      const loss = F.tidy(() => (withHooks ? A.withSavedTensorHooks(hooks, f) : f()));
      loss.backward();
      const g = w.grad!.toFlatArray();
      for (const v of [w, x, loss]) v.dispose();
      return g;
    };
    const exact = run(false);
    const compressed = run(true);
    // matmul saves x and w, sigmoid saves its output.
    assert.deepEqual(packed, [12, 16, 12]);
    for (const [i, g] of compressed.entries()) {
      assert.ok(Math.abs(g - exact[i]!) < 0.02 * (1 + Math.abs(exact[i]!)));
    }
    assert.notDeepEqual(compressed, exact);
  });

  it('rejects bad input with FrugalErrors naming the problem', () => {
    const x = A.param(F.randn([2, 3], { seed: 7 }));
    assert.throws(
      () => A.crossEntropy(x, F.tensor([0, 5], { dtype: 'i32' })),
      (e) => isFrugalError(e, 'E_INDEX') && /target 5/.test(e.message),
    );
    assert.throws(
      () => A.crossEntropy(x, F.tensor([0, 1])),
      (e) => isFrugalError(e, 'E_SHAPE') && /targets/.test(e.message),
    );
    assert.throws(
      () => A.matmul(x, A.constant(F.randn([3], { seed: 8 }))),
      (e) => isFrugalError(e, 'E_SHAPE'),
    );
    assert.throws(
      () => A.gradcheck((a) => a, [F.tensor([1], { dtype: 'i32' })]),
      (e) => isFrugalError(e, 'E_DTYPE'),
    );
    x.dispose();
  });
});
