import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { isFrugalError } from '../../src/core/errors.js';
import * as F from '../../src/ops/index.js';
import * as optim from '../../src/optim/index.js';

function param(name: string, values: number[]): A.Variable {
  const p = A.param(F.tensor(values));
  p.name = name;
  return p;
}

function stepWith(opt: optim.Optimizer, grads: number[][]): void {
  opt.params.forEach((p, i) => {
    p.grad?.dispose();
    p.grad = F.keep(F.tensor(grads[i]!));
  });
  opt.step();
}

describe('optimizer state dicts', () => {
  it('an AdamW restored from its state continues exactly like the original', () => {
    const grads = [
      [[0.5, -1], [2]],
      [[0.1, 0.3], [-1]],
      [[-0.7, 0.2], [0.5]],
    ];
    const a = [param('w', [1, 2]), param('b', [3])];
    const straight = new optim.AdamW(a, { lr: 0.1, weightDecay: 0.01 });
    for (const g of grads) stepWith(straight, g);

    const b = [param('w', [1, 2]), param('b', [3])];
    const first = new optim.AdamW(b, { lr: 0.1, weightDecay: 0.01 });
    stepWith(first, grads[0]!);
    const saved = first.stateDict();
    assert.equal(saved.step, 1);
    assert.deepEqual(Object.keys(saved.tensors).sort(), ['b.0', 'b.1', 'w.0', 'w.1']);
    const resumed = new optim.AdamW(b, { lr: 0.1, weightDecay: 0.01 });
    resumed.loadStateDict(saved);
    stepWith(resumed, grads[1]!);
    stepWith(resumed, grads[2]!);
    assert.deepEqual(b[0]!.value.toFlatArray(), a[0]!.value.toFlatArray());
    assert.deepEqual(b[1]!.value.toFlatArray(), a[1]!.value.toFlatArray());
  });

  it('a state for other parameters is refused and leaves the optimizer unchanged', () => {
    const p = [param('w', [1, 2])];
    const opt = new optim.SGD(p, { lr: 0.1, momentum: 0.9 });
    stepWith(opt, [[1, 1]]);
    const before = opt.stateDict();
    const wrongName = { step: 3, lr: 0.1, tensors: { 'v.0': F.tensor([0, 0]) } };
    assert.throws(
      () => opt.loadStateDict(wrongName),
      (e: unknown) => isFrugalError(e) && e.code === 'E_CONFIG',
    );
    const wrongShape = { step: 3, lr: 0.1, tensors: { 'w.0': F.tensor([0, 0, 0]) } };
    assert.throws(
      () => opt.loadStateDict(wrongShape),
      (e: unknown) => isFrugalError(e) && e.code === 'E_SHAPE',
    );
    assert.equal(opt.stepCount, 1);
    assert.deepEqual(opt.stateDict().tensors['w.0']!.toFlatArray(), before.tensors['w.0']!.toFlatArray());
  });
});
