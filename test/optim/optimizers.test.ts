import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { isFrugalError } from '../../src/core/errors.js';
import * as F from '../../src/ops/index.js';
import * as optim from '../../src/optim/index.js';

/** A parameter with the given values whose gradient is set to `grad`. */
function withGrad(values: number[], grad: number[]): A.Variable {
  const p = A.param(F.tensor(values));
  p.grad = F.keep(F.tensor(grad));
  return p;
}

const near = (a: number[], b: number[], tol = 1e-6) =>
  a.every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

describe('optimizers: single steps by hand', () => {
  it('SGD: p -= lr·(g + wd·p); momentum buffers accumulate', () => {
    const p = withGrad([1, -2], [0.5, 0.25]);
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    opt.step();
    // d = g + 0.1·p = [0.6, 0.05]; buf = d; p = p - 0.1·d
    assert.ok(near(p.value.toFlatArray(), [0.94, -2.005]));
    opt.step();
    // d = g + 0.1·p = [0.594, 0.0495]; buf = 0.9·[0.6, 0.05] + d
    const buf = [0.9 * 0.6 + 0.594, 0.9 * 0.05 + 0.0495];
    assert.ok(near(p.value.toFlatArray(), [0.94 - 0.1 * buf[0]!, -2.005 - 0.1 * buf[1]!]));
    p.dispose();
  });

  it('Adam: the first step moves each weight by lr·sign(grad)', () => {
    const p = withGrad([1, 2, 3], [0.3, -4, 1e-3]);
    new optim.Adam([p], { lr: 0.01 }).step();
    assert.ok(near(p.value.toFlatArray(), [0.99, 2.01, 2.99], 1e-5));
    p.dispose();
  });

  it('AdamW decays weights decoupled from the gradient; Adam adds L2 to it', () => {
    const p = withGrad([2, -1], [1, 1]);
    new optim.AdamW([p], { lr: 0.1, weightDecay: 0.5 }).step();
    // p·(1 - lr·wd) - lr·sign(g)
    assert.ok(near(p.value.toFlatArray(), [2 * 0.95 - 0.1, -1 * 0.95 - 0.1], 1e-5));
    const q = withGrad([2, -1], [1, 1]);
    new optim.Adam([q], { lr: 0.1, weightDecay: 0.5 }).step();
    // g + wd·p = [2, 0.5]: still a sign step
    assert.ok(near(q.value.toFlatArray(), [1.9, -1.1], 1e-5));
    p.dispose();
    q.dispose();
  });

  it('LAMB scales the Adam step by the trust ratio ||p|| / ||u||', () => {
    const p = withGrad([3, 4], [1, -1]);
    new optim.LAMB([p], { lr: 0.1 }).step();
    // u = sign(g) = [1, -1] (eps aside), ||p|| = 5, ||u|| = sqrt(2)
    const r = 5 / Math.SQRT2;
    assert.ok(near(p.value.toFlatArray(), [3 - 0.1 * r, 4 + 0.1 * r], 1e-5));
    p.dispose();
  });

  it('skips frozen parameters and parameters without gradients', () => {
    const a = withGrad([1], [1]);
    const b = A.param(F.tensor([1]));
    a.requiresGrad = false;
    new optim.SGD([a, b], { lr: 1 }).step();
    assert.deepEqual([a.value.item(), b.value.item()], [1, 1]);
    a.dispose();
    b.dispose();
  });

  it('rejects bad settings and non-f32 parameters', () => {
    assert.throws(
      () => new optim.SGD([], { lr: -1 }),
      (e) => isFrugalError(e, 'E_ARG') && /lr/.test(e.message),
    );
    const p = A.param(F.zeros([2], 'bf16'), 'w');
    assert.throws(
      () => new optim.Adam([p], { lr: 1 }),
      (e) => isFrugalError(e, 'E_DTYPE') && /w/.test(e.message),
    );
    p.dispose();
  });
});

describe('schedules, clipping, accumulation', () => {
  it('warms up linearly and decays (cosine / linear) to minLr', () => {
    const cos = optim.warmupSchedule({ peakLr: 1, warmupSteps: 4, totalSteps: 14, minLr: 0.1 });
    assert.deepEqual([0, 1, 3].map(cos), [0.25, 0.5, 1]);
    assert.ok(Math.abs(cos(9) - 0.55) < 1e-12);
    assert.ok(Math.abs(cos(14) - 0.1) < 1e-12);
    assert.ok(Math.abs(cos(100) - 0.1) < 1e-12);
    const lin = optim.warmupSchedule({ peakLr: 2, totalSteps: 10, decay: 'linear' });
    assert.deepEqual([0, 5, 10].map(lin), [2, 1, 0]);
    assert.throws(() => optim.warmupSchedule({ peakLr: 1, warmupSteps: 5, totalSteps: 2 }), /warmupSteps/);
  });

  it('an optimizer follows its schedule', () => {
    const p = withGrad([0], [1]);
    const opt = new optim.SGD([p], {
      lr: 0,
      schedule: optim.warmupSchedule({ peakLr: 1, warmupSteps: 2, totalSteps: 2 }),
    });
    opt.step();
    opt.step();
    assert.equal(opt.lr, 1);
    assert.ok(near(p.value.toFlatArray(), [-1.5]));
    p.dispose();
  });

  it('clips by global norm and reports the norm before clipping', () => {
    const a = withGrad([0, 0], [3, 0]);
    const b = withGrad([0], [4]);
    assert.equal(optim.clipGradNorm([a, b], 1), 5);
    assert.ok(Math.abs(optim.globalGradNorm([a, b]) - 1) < 1e-5);
    assert.ok(near(a.grad!.toFlatArray(), [0.6, 0], 1e-5));
    assert.equal(optim.clipGradNorm([a, b], 10), optim.globalGradNorm([a, b]));
    a.dispose();
    b.dispose();
  });

  it('accumulating two half batches gives the full-batch gradient', () => {
    const x = F.randn([4, 3], { seed: 1 });
    const targets = F.tensor([0, 1, 1, 0], { dtype: 'i32' });
    const w1 = A.param(F.randn([3, 2], { seed: 2 }));
    F.tidy(() => A.crossEntropy(A.matmul(A.constant(x), w1), targets)).backward();
    const w2 = A.param(F.randn([3, 2], { seed: 2 }));
    const acc = new optim.GradientAccumulation(2);
    const steps = [0, 2].map((s) =>
      F.tidy(() =>
        acc.backward(
          A.crossEntropy(A.matmul(A.constant(x.slice(0, s, s + 2)), w2), targets.slice(0, s, s + 2)),
        ),
      ),
    );
    assert.deepEqual(steps, [false, true]);
    assert.ok(near(w2.grad!.toFlatArray(), w1.grad!.toFlatArray(), 1e-5));
    for (const t of [x, targets]) t.dispose();
    w1.dispose();
    w2.dispose();
  });
});
