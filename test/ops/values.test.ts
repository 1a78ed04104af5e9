/** Ops against values computed by hand (or by closed forms), on whichever backend is active. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as F from '../../src/ops/index.js';

function close(actual: F.NestedArray, expected: F.NestedArray, tol = 1e-5): void {
  const a = flatten(actual);
  const e = flatten(expected);
  assert.equal(a.length, e.length);
  a.forEach((v, i) => {
    assert.ok(Math.abs(v - e[i]!) <= tol * (1 + Math.abs(e[i]!)), `[${i}] ${v} vs ${e[i]}`);
  });
}

function flatten(v: F.NestedArray): number[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [Number(v)];
}

describe('ops: hand-checked values', () => {
  const a = F.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('broadcasting arithmetic', () => {
    close(F.add(a, F.tensor([10, 20, 30])).toArray(), [
      [11, 22, 33],
      [14, 25, 36],
    ]);
    close(F.mul(a, F.tensor([[2], [3]])).toArray(), [
      [2, 4, 6],
      [12, 15, 18],
    ]);
    close(F.sub(1, a).toArray(), [
      [0, -1, -2],
      [-3, -4, -5],
    ]);
    close(F.div(a, 2).toArray(), [
      [0.5, 1, 1.5],
      [2, 2.5, 3],
    ]);
    close(F.pow(a, 2).toArray(), [
      [1, 4, 9],
      [16, 25, 36],
    ]);
  });

  it('integer arithmetic truncates division', () => {
    const i = F.tensor([7, -7, 9], { dtype: 'i32' });
    assert.deepEqual(F.div(i, 2).toArray(), [3, -3, 4]);
    assert.deepEqual(F.add(i, 1).toArray(), [8, -6, 10]);
  });

  it('activations match closed forms', () => {
    const x = F.tensor([-2, -0.5, 0, 0.5, 2]);
    const xs = [-2, -0.5, 0, 0.5, 2];
    close(
      F.sigmoid(x).toArray(),
      xs.map((v) => 1 / (1 + Math.exp(-v))),
    );
    close(F.relu(x).toArray(), [0, 0, 0, 0.5, 2]);
    close(
      F.silu(x).toArray(),
      xs.map((v) => v / (1 + Math.exp(-v))),
    );
    // Exact GELU at known points: x * Phi(x), Phi(0.5) = 0.691462461274013, Phi(2) = 0.977249868051821.
    close(F.gelu(x, 'none').toArray(), [
      -2 * (1 - 0.977249868051821),
      -0.5 * (1 - 0.691462461274013),
      0,
      0.5 * 0.691462461274013,
      2 * 0.977249868051821,
    ]);
    close(F.gelu(F.tensor([1]), 'tanh').toArray(), [0.8411919906082768]);
  });

  it('reductions', () => {
    close(F.sum(a).toArray(), 21);
    close(F.sum(a, { axis: 0 }).toArray(), [5, 7, 9]);
    close(F.mean(a, { axis: 1, keepDims: true }).toArray(), [[2], [5]]);
    close(F.max(a, { axis: -1 }).toArray(), [3, 6]);
    close(F.min(a).toArray(), 1);
    assert.deepEqual(F.argmax(F.tensor([[1, 9, 9, 2]])).toArray(), [1]);
    close(F.variance(a, { axis: 1 }).toArray(), [2 / 3, 2 / 3]);
    close(F.variance(a, { axis: 1, correction: 1 }).toArray(), [1, 1]);
    close(F.logsumexp(F.tensor([0, Math.log(3)])).toArray(), Math.log(4));
  });

  it('softmax and log-softmax', () => {
    const s = F.softmax(F.tensor([0, Math.log(3)]));
    close(s.toArray(), [0.25, 0.75]);
    close(F.logSoftmax(F.tensor([0, Math.log(3)])).toArray(), [Math.log(0.25), Math.log(0.75)]);
    close(F.softmax(F.tensor([1000, 1000])).toArray(), [0.5, 0.5]);
  });

  it('matmul, transposes and batches', () => {
    close(F.matmul(a, a, { transB: true }).toArray(), [
      [14, 32],
      [32, 77],
    ]);
    close(F.matmul(a.transpose(), a).toArray(), [
      [17, 22, 27],
      [22, 29, 36],
      [27, 36, 45],
    ]);
    close(F.matmul(F.tensor([1, 1]), a).toArray(), [5, 7, 9]);
    const batched = F.matmul(F.stack([a, F.mul(a, 2)]), F.tensor([[1], [0], [1]]));
    close(batched.toArray(), [
      [[4], [10]],
      [[8], [20]],
    ]);
    assert.deepEqual(F.matmul(F.zeros([2, 0]), F.zeros([0, 3])).toArray(), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('quantized linear applies scales per group and bias', () => {
    const q = F.quantizedLinear({
      a: F.tensor([[1, 2, 3, 4]], { dtype: 'i8' }),
      w: F.tensor([[1, 1, 1, 1]], { dtype: 'i8' }),
      scaleA: F.tensor([0.5]),
      scaleW: F.tensor([[1, 10]]),
      groupSize: 2,
      bias: F.tensor([100]),
    });
    close(q.toArray(), [[(3 * 1 + 7 * 10) * 0.5 + 100]]);
  });

  it('norms', () => {
    const x = F.tensor([[1, 2, 3]]);
    const inv = 1 / Math.sqrt(2 / 3 + 1e-5);
    close(F.layerNorm(x).toArray(), [[-inv, 0, inv]]);
    close(F.layerNorm(x, F.tensor([1, 2, 3]), F.tensor([1, 1, 1])).toArray(), [[1 - inv, 1, 1 + 3 * inv]]);
    const r = 1 / Math.sqrt(14 / 3 + 1e-6);
    close(F.rmsNorm(x).toArray(), [[r, 2 * r, 3 * r]]);
  });

  it('gather, embedding, scatter-add', () => {
    const ids = F.tensor([2, 0, 2], { dtype: 'i32' });
    close(
      F.embedding(
        F.tensor([
          [0, 0],
          [1, 1],
          [2, 2],
        ]),
        ids,
      ).toArray(),
      [
        [2, 2],
        [0, 0],
        [2, 2],
      ],
    );
    close(F.gather(a, F.tensor([2, 0], { dtype: 'i32' }), 1).toArray(), [
      [3, 1],
      [6, 4],
    ]);
    const t = F.scatterAdd(
      F.zeros([3, 2]),
      ids,
      F.tensor([
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    );
    close(t.toArray(), [
      [2, 2],
      [0, 0],
      [4, 4],
    ]);
  });

  it('where, clamp, comparisons', () => {
    const x = F.tensor([-1, 0, 2]);
    assert.deepEqual(F.gt(x, 0).toArray(), [false, false, true]);
    assert.deepEqual(F.eq(x, F.tensor([-1, 1, 2])).toArray(), [true, false, true]);
    close(F.where(F.lt(x, 0), 0, x).toArray(), [0, 0, 2]);
    close(F.clamp(x, -0.5, 1).toArray(), [-0.5, 0, 1]);
  });

  it('concat, split, stack, reshape', () => {
    close(F.concat([a, a], 1).toArray(), [
      [1, 2, 3, 1, 2, 3],
      [4, 5, 6, 4, 5, 6],
    ]);
    const [l, r] = F.split(a, [1, 2], 1);
    close(l!.toArray(), [[1], [4]]);
    close(r!.toArray(), [
      [2, 3],
      [5, 6],
    ]);
    close(F.stack([F.tensor([1, 2]), F.tensor([3, 4])], 1).toArray(), [
      [1, 3],
      [2, 4],
    ]);
    close(F.reshape(a.transpose(), [-1]).toArray(), [1, 4, 2, 5, 3, 6]);
  });

  it('cast rounds and saturates', () => {
    assert.deepEqual(
      F.cast(F.tensor([1.9, -1.9, 300, -300, Number.NaN]), 'i8').toArray(),
      [1, -1, 127, -128, 0],
    );
    assert.deepEqual(F.cast(F.tensor([1 + 2 ** -9]), 'bf16').toArray(), [1]);
    assert.deepEqual(F.cast(F.tensor([1 + 3 * 2 ** -9]), 'bf16').toArray(), [1 + 2 ** -7]);
    assert.deepEqual(F.cast(F.tensor([65504, 1e6, 2 ** -24]), 'f16').toArray(), [
      65504,
      Number.POSITIVE_INFINITY,
      2 ** -24,
    ]);
  });
});

describe('outputs left uncleared', () => {
  it('unary, broadcast binary and gather write every element of a reused pool array', () => {
    const n = 1 << 15; // large enough for the storage pool
    const poison = (count: number) => {
      for (let i = 0; i < count; i++) {
        const t = F.Tensor.empty('f32', [n], 'test');
        t.data.fill(Number.NaN);
        t.dispose();
      }
    };
    const x = F.tensor(
      Float32Array.from({ length: n }, (_, i) => i % 7),
      { shape: [n / 8, 8] },
    );
    const row = F.tensor(
      Float32Array.from({ length: 8 }, (_, i) => i),
      { shape: [8] },
    );
    poison(3);
    const neg = F.neg(x);
    const sum = F.add(x, row);
    const rows = F.gather(
      x,
      F.tensor(
        Int32Array.from({ length: n / 8 }, (_, i) => n / 8 - 1 - i),
        { shape: [n / 8] },
      ),
      0,
    );
    for (let i = 0; i < n; i++) {
      assert.equal(neg.data[i], -(i % 7), `neg [${i}]`);
      assert.equal(sum.data[i], (i % 7) + (i % 8), `add [${i}]`);
    }
    const last = n / 8 - 1;
    for (let j = 0; j < 8; j++) assert.equal(rows.data[j], x.data[last * 8 + j], `gather [0, ${j}]`);
    assert.ok(
      (rows.data as Float32Array).every((v) => !Number.isNaN(v)),
      'gather wrote every element',
    );
    for (const t of [x, row, neg, sum, rows]) t.dispose();
  });
});
