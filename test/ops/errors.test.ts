/** Each class of bad input raises a FrugalError with a code and a message naming the op and shapes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrugalError } from '../../src/core/errors.js';
import * as F from '../../src/ops/index.js';

function throwsFrugal(fn: () => unknown, code: string, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FrugalError, `expected FrugalError, got ${e}`);
    assert.equal(e.code, code, e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" lacks "${f}"`);
    return true;
  });
}

describe('ops: bad input', () => {
  const a = F.zeros([2, 3]);

  it('shape mismatches name the op and both shapes', () => {
    throwsFrugal(() => F.matmul(a, a), 'E_SHAPE', 'matmul', '[2, 3]');
    throwsFrugal(() => F.add(a, F.zeros([4])), 'E_SHAPE', 'add', '[2, 3]', '[4]');
    throwsFrugal(() => F.concat([a, F.zeros([3, 3])], 1), 'E_SHAPE', 'concat');
    throwsFrugal(() => F.stack([a, F.zeros([3, 2])]), 'E_SHAPE', 'stack');
    throwsFrugal(() => F.layerNorm(a, F.ones([2])), 'E_SHAPE', 'layerNorm', 'gamma');
    throwsFrugal(() => F.reshape(a, [4, 2]), 'E_SHAPE', 'reshape');
    throwsFrugal(() => a.expand([2, 4]), 'E_SHAPE', 'expand');
    throwsFrugal(() => F.tensor([1, 2, 3], { shape: [2, 2] }), 'E_SHAPE', 'tensor');
    throwsFrugal(() => F.zeros([2, -1]), 'E_SHAPE', 'zeros');
    throwsFrugal(
      () =>
        F.quantizedLinear({
          a: F.zeros([2, 4], 'i8'),
          w: F.zeros([3, 4], 'i8'),
          scaleA: F.ones([2]),
          scaleW: F.ones([3]),
          groupSize: 3,
        }),
      'E_ARG',
      'groupSize',
    );
  });

  it('dtype errors', () => {
    throwsFrugal(() => F.add(a, F.zeros([2, 3], 'i32')), 'E_DTYPE', 'add', 'f32 vs i32');
    throwsFrugal(() => F.exp(F.zeros([2], 'i32')), 'E_DTYPE', 'exp');
    throwsFrugal(() => F.where(a, a, a), 'E_DTYPE', 'where', 'cond');
    throwsFrugal(
      () => F.where(F.tensor([true]), F.tensor([true]), false as unknown as number),
      'E_ARG',
      'where',
      'boolean',
    );
    throwsFrugal(() => F.cast(a, 'f64' as F.DType), 'E_DTYPE', 'cast');
    throwsFrugal(() => F.embedding(F.zeros([4, 2]), F.zeros([3])), 'E_DTYPE', 'gather', 'indices');
  });

  it('axis errors', () => {
    throwsFrugal(() => F.sum(a, { axis: 2 }), 'E_AXIS', 'sum', 'rank 2');
    throwsFrugal(() => F.softmax(a, -3), 'E_AXIS', 'softmax');
    throwsFrugal(() => a.permute(0, 0), 'E_AXIS', 'permute');
    throwsFrugal(() => F.sum(a, { axis: [1, -1] }), 'E_AXIS', 'repeat');
  });

  it('index errors', () => {
    throwsFrugal(
      () => F.embedding(F.zeros([4, 2]), F.tensor([0, 4], { dtype: 'i32' })),
      'E_INDEX',
      'gather',
      '4',
    );
    throwsFrugal(() => a.get(2, 0), 'E_INDEX', 'get');
    throwsFrugal(() => a.item(), 'E_SHAPE', 'item');
  });

  it('empty reductions and invalid arguments', () => {
    throwsFrugal(() => F.max(F.zeros([0])), 'E_SHAPE', 'max', 'empty');
    throwsFrugal(() => F.variance(F.ones([1]), { correction: 1 }), 'E_SHAPE', 'var');
    throwsFrugal(() => F.clamp(a, 1, 0), 'E_ARG', 'clamp');
    throwsFrugal(() => F.arange(0, 1, 0), 'E_ARG', 'arange');
    throwsFrugal(() => F.split(a, 4, 1), 'E_ARG', 'split');
  });

  it('use after dispose', () => {
    const t = F.ones([2]);
    t.dispose();
    throwsFrugal(() => F.add(t, 1), 'E_DISPOSED', 'add');
    throwsFrugal(() => t.toArray(), 'E_DISPOSED');
  });
});
