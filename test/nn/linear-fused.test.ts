import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { dispatchCounts, resetDispatchCounts } from '../../src/backend/registry.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';
import { SGD } from '../../src/optim/index.js';

const close = (a: number[], b: number[], tol = 1e-5) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

const inference = (f: () => A.Variable) => F.tidy(() => A.noGrad(() => f().value.toFlatArray()));
const training = (f: () => A.Variable) => F.tidy(() => f().value.toFlatArray());

describe('Linear inference path (packed weight)', () => {
  it('follows the weights through optimizer steps and loadStateDict', () => {
    const lin = new nn.Linear(40, 24, { seed: 1 });
    const x = A.constant(F.randn([3, 5, 40], { seed: 2 }));
    const opt = new SGD(lin.parameters(), { lr: 0.5 });
    for (let step = 0; step < 2; step++) {
      assert.ok(
        close(
          inference(() => lin.forward(x)),
          training(() => lin.forward(x)),
        ),
        `step ${step}`,
      );
      F.tidy(() => {
        A.sum(lin.forward(x)).backward();
      });
      opt.step();
      opt.zeroGrad();
    }
    assert.ok(
      close(
        inference(() => lin.forward(x)),
        training(() => lin.forward(x)),
      ),
      'after the last step',
    );
    const other = new nn.Linear(40, 24, { seed: 9 });
    lin.loadStateDict(other.stateDict());
    assert.ok(
      close(
        inference(() => lin.forward(x)),
        inference(() => other.forward(x)),
      ),
      'after loadStateDict',
    );
  });

  it('invalidatePacked picks up an in-place edit of the weight', () => {
    const lin = new nn.Linear(8, 4, { seed: 3 });
    const x = A.constant(F.randn([2, 8], { seed: 4 }));
    inference(() => lin.forward(x));
    const w = lin.weight.value;
    (w.data as Float32Array).fill(0, w.offset, w.offset + w.size);
    lin.invalidatePacked();
    const bias = lin.bias!.value.toFlatArray();
    assert.ok(
      close(
        inference(() => lin.forward(x)),
        [...bias, ...bias],
      ),
    );
  });
});

describe('MLP inference path (activation in the GEMM epilogue)', () => {
  for (const act of ['gelu', 'gelu-erf', 'relu', 'swiglu', 'geglu'] as const) {
    it(`noGrad matches the differentiable path and runs no separate activation: ${act}`, () => {
      const mlp = new nn.MLP(24, 40, act, { seed: 5 });
      const x = A.constant(F.randn([2, 70, 24], { seed: 6 }));
      const train = training(() => mlp.forward(x));
      resetDispatchCounts();
      const infer = inference(() => mlp.forward(x));
      const ops = Object.keys(dispatchCounts());
      assert.ok(
        ops.some((k) => k.endsWith(':linear')),
        `linear ran (${ops})`,
      );
      assert.ok(!ops.some((k) => k.endsWith(':unary')), `no activation pass (${ops})`);
      assert.ok(close(infer, train, 1e-4), act);
    });
  }
});
