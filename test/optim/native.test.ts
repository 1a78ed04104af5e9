import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { Rng } from '../../src/core/rng.js';
import * as F from '../../src/ops/index.js';
import * as optim from '../../src/optim/index.js';
import { optimizerKernels } from '../../src/optim/native.js';
import { eachConfig } from '../backend/native/native-fixture.js';

type Make = (ps: A.Variable[], native: boolean) => optim.Optimizer;

const CASES: [string, Make][] = [
  ['SGD', (ps, native) => new optim.SGD(ps, { lr: 0.05, weightDecay: 0.01, native })],
  ['SGD momentum', (ps, native) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, weightDecay: 0.01, native })],
  ['SGD Nesterov', (ps, native) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, native })],
  ['Adam', (ps, native) => new optim.Adam(ps, { lr: 1e-2, weightDecay: 0.01, native })],
  ['AdamW', (ps, native) => new optim.AdamW(ps, { lr: 1e-2, weightDecay: 0.1, native })],
  ['LAMB', (ps, native) => new optim.LAMB(ps, { lr: 1e-2, weightDecay: 0.01, native })],
];

/** Parameters of awkward sizes: below one vector, with a tail, and big enough to use 2 threads. */
const SIZES = [3, 37, 70_001];

function params(seed: number): { ps: A.Variable[]; grads: Float32Array[][] } {
  const rng = new Rng(seed);
  const ps = SIZES.map((n) => A.param(F.tensor(Float32Array.from({ length: n }, () => rng.normal()))));
  const grads = Array.from({ length: 4 }, () =>
    SIZES.map((n) => Float32Array.from({ length: n }, () => rng.normal() * 0.1)),
  );
  return { ps, grads };
}

/** Runs 4 steps with seeded gradients and returns the final parameter values. */
function run(make: Make, native: boolean): Float32Array[] {
  const { ps, grads } = params(3);
  const opt = make(ps, native);
  for (const step of grads) {
    ps.forEach((p, i) => {
      p.grad = F.keep(F.tensor(step[i]!));
    });
    opt.step();
    opt.zeroGrad();
  }
  const out = ps.map((p) => p.value.toFloat32Array());
  for (const p of ps) p.dispose();
  return out;
}

describe('native optimizer kernels against the TypeScript updates', () => {
  for (const [name, make] of CASES) {
    it(`${name}: 4 steps agree at every ISA level and thread count`, (t) => {
      const oracle = run(make, false);
      eachConfig(t, (_addon, label) => {
        const got = run(make, true);
        got.forEach((arr, k) => {
          for (let i = 0; i < arr.length; i++) {
            const want = oracle[k]![i]!;
            assert.ok(
              Math.abs(arr[i]! - want) <= 2e-5 * (1 + Math.abs(want)),
              `${name} ${label} tensor ${k} [${i}]: ${arr[i]} vs ${want}`,
            );
          }
        });
      });
    });
  }

  it('optimizers use the kernels when the addon has them and native is not false', (t) => {
    const addon = optimizerKernels();
    if (!addon) {
      t.skip('the native addon (with optimizer kernels) is not available');
      return;
    }
    const p = A.param(F.tensor([1, 2]));
    p.grad = F.keep(F.tensor([1, 1]));
    const calls: string[] = [];
    const original = addon.adamStepF32;
    addon.adamStepF32 = (...args) => {
      calls.push('adam');
      original(...args);
    };
    try {
      new optim.AdamW([p], { lr: 0.1 }).step();
      new optim.AdamW([p], { lr: 0.1, native: false }).step();
    } finally {
      addon.adamStepF32 = original;
    }
    assert.deepEqual(calls, ['adam']);
    p.dispose();
  });
});
