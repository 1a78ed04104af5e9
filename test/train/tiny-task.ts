import * as A from '../../src/autograd/index.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';
import { DataOrder } from '../../src/train/data-order.js';
import type { TrainerTask } from '../../src/train/trainer.js';

/** A two-layer MLP with dropout: small enough for many steps in a test, with every moving part of a real model. */
export class TinyNet extends nn.Module {
  readonly l1: nn.Linear;
  readonly drop: nn.Dropout;
  readonly l2: nn.Linear;
  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    this.l1 = this.addModule('l1', new nn.Linear(4, 16, { rng }));
    this.drop = this.addModule('drop', new nn.Dropout(0.1));
    this.l2 = this.addModule('l2', new nn.Linear(16, 2, { rng }));
  }
  forward(x: A.Variable): A.Variable {
    return this.l2.forward(this.drop.forward(A.gelu(this.l1.forward(x))));
  }
}

/**
 * Two Gaussian blobs in 4-D with a seeded data order. `poisonAt` makes the loss NaN from that step
 * on; `crashAt` throws there, as a killed process would stop.
 */
export function tinyTask(opts: {
  seed: number;
  batch: number;
  poisonAt?: number;
  crashAt?: number;
}): TrainerTask<TinyNet> {
  const n = 64;
  const rng = new Rng(99);
  const xs = new Float32Array(n * 4);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = i % 2;
    for (let j = 0; j < 4; j++) xs[i * 4 + j] = (ys[i] === 1 ? 1 : -1) + rng.normal();
  }
  const order = new DataOrder(n, opts.seed);
  const rows = (idx: readonly number[]) => {
    const x = new Float32Array(idx.length * 4);
    idx.forEach((r, k) => {
      x.set(xs.subarray(r * 4, r * 4 + 4), k * 4);
    });
    return { x: F.tensor(x, { shape: [idx.length, 4] }), y: F.tensor(Int32Array.from(idx, (r) => ys[r]!)) };
  };
  return {
    loss(model, step) {
      if (step === opts.crashAt) throw new Error(`simulated crash at step ${step}`);
      const { x, y } = rows(order.batch(step, opts.batch));
      const input = opts.poisonAt !== undefined && step >= opts.poisonAt ? F.mul(x, Number.NaN) : x;
      return { loss: A.crossEntropy(model.forward(A.constant(input)), y), tokens: opts.batch };
    },
    evaluate(model) {
      const { x, y } = rows(Array.from({ length: n }, (_, i) => i));
      const loss = A.crossEntropy(model.forward(A.constant(x)), y).value.item();
      return { loss };
    },
  };
}
