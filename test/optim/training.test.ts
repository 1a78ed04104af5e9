import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';
import * as optim from '../../src/optim/index.js';

class Classifier extends nn.Module {
  readonly l1: nn.Linear;
  readonly l2: nn.Linear;
  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    this.l1 = this.addModule('l1', new nn.Linear(2, 16, { rng }));
    this.l2 = this.addModule('l2', new nn.Linear(16, 3, { rng }));
  }
  forward(x: A.Variable): A.Variable {
    return this.l2.forward(A.gelu(this.l1.forward(x)));
  }
}

/** Three separable Gaussian blobs in 2-D, seeded. */
function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const centers = [
    [-2, 0],
    [2, 0],
    [0, 2.5],
  ];
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    ys[i] = c;
    xs[2 * i] = centers[c]![0]! + 0.5 * rng.normal();
    xs[2 * i + 1] = centers[c]![1]! + 0.5 * rng.normal();
  }
  return { x: F.tensor(xs, { shape: [n, 2] }), y: F.tensor(ys) };
}

describe('training a tiny MLP', () => {
  for (const make of [
    (ps: A.Variable[], schedule: optim.LrSchedule) => new optim.AdamW(ps, { lr: 0, schedule }),
    (ps: A.Variable[], schedule: optim.LrSchedule) => new optim.SGD(ps, { lr: 0, momentum: 0.9, schedule }),
    (ps: A.Variable[], schedule: optim.LrSchedule) =>
      new optim.LAMB(ps, { lr: 0, weightDecay: 0.01, schedule }),
  ]) {
    const label = make([], () => 0).constructor.name;
    it(`${label} drives the loss down by a large factor without leaking memory`, (t) => {
      const model = new Classifier(1);
      const { x, y } = blobs(96, 2);
      const steps = 60;
      const peak = label === 'SGD' ? 0.1 : 0.05;
      const opt = make(
        model.parameters(),
        optim.warmupSchedule({ peakLr: peak, warmupSteps: 5, totalSteps: steps }),
      );
      const losses: number[] = [];
      let liveAfterFirst = 0;
      for (let s = 0; s < steps; s++) {
        const loss = F.tidy(() => A.crossEntropy(model.forward(A.constant(x)), y));
        loss.backward();
        optim.clipGradNorm(model.parameters(), 5);
        opt.step();
        opt.zeroGrad();
        losses.push(loss.value.item());
        loss.dispose();
        if (s === 0) liveAfterFirst = F.memoryInfo().liveBytes;
        else assert.equal(F.memoryInfo().liveBytes, liveAfterFirst, `memory grew at step ${s}`);
      }
      const first = losses[0]!;
      const last = losses[losses.length - 1]!;
      assert.ok(last < first / 10, `${label}: loss ${first} -> ${last}`);
      const pred = F.tidy(() =>
        F.argmax(A.noGrad(() => model.forward(A.constant(x))).value, -1).toFlatArray(),
      );
      const yv = y.toFlatArray();
      const acc = pred.filter((p, i) => p === yv[i]).length / yv.length;
      assert.ok(acc >= 0.95, `${label}: accuracy ${acc}`);
      t.diagnostic(
        `${label}: loss ${first.toFixed(4)} -> ${last.toExponential(3)} (step 10: ${losses[10]!.toFixed(4)}), accuracy ${acc}`,
      );
      model.dispose();
      x.dispose();
      y.dispose();
    });
  }
});
