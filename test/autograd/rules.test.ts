import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiffOp, Variable } from '../../src/autograd/index.js';
import * as A from '../../src/autograd/index.js';
import * as F from '../../src/ops/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const randn = (shape: number[], seed: number) => F.randn(shape, { seed });
const positive = (shape: number[], seed: number) => F.rand(shape, { seed, low: 0.5, high: 2 });
/** Normal samples pushed at least 0.2 away from 0 (kinks and poles stay out of the eps window). */
function awayFromZero(shape: number[], seed: number): Tensor {
  const t = randn(shape, seed);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = d[i]! + (d[i]! < 0 ? -0.2 : 0.2);
  return t;
}

interface Case {
  fn: (...xs: Variable[]) => Variable;
  inputs: () => Tensor[];
}

// One entry per differentiable op, checked by the compiler: a new rule needs a gradcheck case.
const CASES: { [K in DiffOp]: Case[] } = {
  add: [
    { fn: (a, b) => A.add(a, b), inputs: () => [randn([3, 4], 1), randn([4], 2)] },
    { fn: (a) => A.add(a, 2), inputs: () => [randn([2, 3], 3)] },
  ],
  sub: [{ fn: (a, b) => A.sub(a, b), inputs: () => [randn([2, 1, 4], 4), randn([3, 1], 5)] }],
  mul: [
    { fn: (a, b) => A.mul(a, b), inputs: () => [randn([2, 1, 4], 6), randn([3, 1], 7)] },
    { fn: (a) => A.mul(3, a), inputs: () => [randn([5], 8)] },
  ],
  div: [{ fn: (a, b) => A.div(a, b), inputs: () => [randn([3, 4], 9), awayFromZero([4], 10)] }],
  pow: [
    { fn: (a) => A.pow(a, 3), inputs: () => [randn([3, 4], 11)] },
    { fn: (a) => A.pow(a, 0.5), inputs: () => [positive([6], 12)] },
  ],
  neg: [{ fn: (a) => A.neg(a), inputs: () => [randn([3, 2], 13)] }],
  exp: [{ fn: (a) => A.exp(a), inputs: () => [randn([3, 2], 14)] }],
  log: [{ fn: (a) => A.log(a), inputs: () => [positive([3, 2], 15)] }],
  sqrt: [{ fn: (a) => A.sqrt(a), inputs: () => [positive([3, 2], 16)] }],
  rsqrt: [{ fn: (a) => A.rsqrt(a), inputs: () => [positive([3, 2], 17)] }],
  tanh: [{ fn: (a) => A.tanh(a), inputs: () => [randn([3, 4], 18)] }],
  sigmoid: [{ fn: (a) => A.sigmoid(a), inputs: () => [randn([3, 4], 19)] }],
  relu: [{ fn: (a) => A.relu(a), inputs: () => [awayFromZero([3, 4], 20)] }],
  gelu: [
    { fn: (a) => A.gelu(a, 'tanh'), inputs: () => [randn([3, 4], 21)] },
    { fn: (a) => A.gelu(a, 'none'), inputs: () => [randn([3, 4], 22)] },
  ],
  silu: [{ fn: (a) => A.silu(a), inputs: () => [randn([3, 4], 23)] }],
  sum: [
    { fn: (a) => A.sum(a), inputs: () => [randn([3, 4], 24)] },
    { fn: (a) => A.sum(a, { axis: [0, 2], keepDims: true }), inputs: () => [randn([2, 3, 4], 25)] },
  ],
  mean: [{ fn: (a) => A.mean(a, { axis: 1 }), inputs: () => [randn([2, 3, 4], 26)] }],
  max: [
    {
      fn: (a) => A.max(a, 1),
      inputs: () => [
        F.tensor([
          [0.1, 0.9, -0.5, 0.4],
          [1.2, -0.3, 0.7, 0.2],
          [-1, -2, -0.4, -3],
        ]),
      ],
    },
    {
      fn: (a) => A.max(a, 0, true),
      inputs: () => [
        F.tensor([
          [0.1, 0.9],
          [1.2, -0.3],
          [-1, 2],
        ]),
      ],
    },
  ],
  softmax: [{ fn: (a) => A.softmax(a, 0), inputs: () => [randn([3, 4], 27)] }],
  logSoftmax: [{ fn: (a) => A.logSoftmax(a), inputs: () => [randn([3, 4], 28)] }],
  matmul: [
    { fn: (a, b) => A.matmul(a, b), inputs: () => [randn([2, 3, 4], 29), randn([4, 5], 30)] },
    {
      fn: (a, b) => A.matmul(a, b, { transA: true }),
      inputs: () => [randn([4, 3], 31), randn([2, 4, 5], 32)],
    },
    {
      fn: (a, b) => A.matmul(a, b, { transB: true }),
      inputs: () => [randn([1, 3, 4], 33), randn([2, 5, 4], 34)],
    },
    {
      fn: (a, b) => A.matmul(a, b, { transA: true, transB: true }),
      inputs: () => [randn([4, 3], 35), randn([5, 4], 36)],
    },
  ],
  layerNorm: [
    {
      fn: (x, g, b) => A.layerNorm(x, g, b),
      inputs: () => [randn([3, 5], 37), positive([5], 38), randn([5], 39)],
    },
    { fn: (x) => A.layerNorm(x), inputs: () => [randn([2, 2, 4], 40)] },
  ],
  rmsNorm: [
    { fn: (x, g) => A.rmsNorm(x, g), inputs: () => [randn([3, 5], 41), positive([5], 42)] },
    { fn: (x) => A.rmsNorm(x), inputs: () => [randn([2, 4], 43)] },
  ],
  gather: [
    {
      fn: (t) =>
        A.embedding(
          t,
          F.tensor(
            [
              [0, 2],
              [2, 4],
            ],
            { dtype: 'i32' },
          ),
        ),
      inputs: () => [randn([5, 3], 44)],
    },
    { fn: (t) => A.gather(t, F.tensor([1, 1, 0], { dtype: 'i32' }), 1), inputs: () => [randn([2, 3], 45)] },
  ],
  reshape: [{ fn: (x) => A.reshape(A.permute(x, 1, 0), [-1]), inputs: () => [randn([3, 4], 46)] }],
  expand: [{ fn: (x) => A.expand(x, [2, 3, 4]), inputs: () => [randn([3, 1], 47)] }],
  permute: [
    { fn: (x) => A.permute(x, 2, 0, 1), inputs: () => [randn([2, 3, 4], 48)] },
    { fn: (x) => A.transpose(x), inputs: () => [randn([2, 3], 49)] },
  ],
  slice: [
    { fn: (x) => A.slice(x, 1, 1, 6, 2), inputs: () => [randn([2, 7], 50)] },
    { fn: (x) => A.mul(A.split(x, [1, 2], 0)[1]!, A.split(x, 3, 0)[0]!), inputs: () => [randn([3, 2], 51)] },
  ],
  concat: [{ fn: (a, b) => A.concat([a, b, a], 1), inputs: () => [randn([2, 3], 52), randn([2, 1], 53)] }],
  where: [
    {
      fn: (a, b) =>
        A.where(
          F.tensor([
            [true, false, true],
            [false, false, true],
          ]),
          a,
          b,
        ),
      inputs: () => [randn([2, 3], 54), randn([3], 55)],
    },
    { fn: (a) => A.where(F.tensor([true, false, true]), 0, a), inputs: () => [randn([3], 56)] },
  ],
  crossEntropy: [
    {
      fn: (x) => A.crossEntropy(x, F.tensor([0, 3, 1, 3], { dtype: 'i32' })),
      inputs: () => [randn([4, 4], 57)],
    },
  ],
};

describe('VJP rules against finite differences', () => {
  for (const [op, cases] of Object.entries(CASES)) {
    cases.forEach((c, i) => {
      it(`${op} #${i}`, () => {
        const inputs = c.inputs();
        const r = A.gradcheck(c.fn, inputs);
        assert.ok(r.ok, `${op} #${i}: ${JSON.stringify(r.worst)}`);
        assert.ok(r.checked > 0);
        for (const t of inputs) t.dispose();
      });
    });
  }

  it('covers every rule in the table', () => {
    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(A.VJP_RULES).sort());
  });

  it('gradcheck catches a wrong rule', () => {
    const x = randn([4], 60);
    // A 'constant' that secretly depends on the input: the analytic gradient misses half of it.
    const bad = A.gradcheck((a) => A.mul(A.exp(a), A.constant(A.exp(a).value)), [x]);
    assert.equal(bad.ok, false);
    x.dispose();
  });
});
