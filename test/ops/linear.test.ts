import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useBackend } from '../../src/backend/registry.js';
import { FrugalError } from '../../src/core/errors.js';
import { add, contiguous, linear, matmul, randn, type Tensor } from '../../src/ops/index.js';

function assertClose(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const a = actual.toFlatArray();
  const e = expected.toFlatArray();
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i]! - e[i]!) <= 1e-4 * (1 + Math.abs(e[i]!)),
      `${what}: element ${i}: ${a[i]} vs ${e[i]}`,
    );
  }
}

const composed = (x: Tensor, w: Tensor, b?: Tensor) => {
  const y = matmul(x, w, { transB: true });
  return b ? add(y, b) : y;
};

describe('linear', () => {
  const cases: [string, () => [Tensor, Tensor, Tensor | undefined]][] = [
    [
      '[B, T, K] with bias',
      () => [randn([2, 5, 24], { seed: 1 }), randn([17, 24], { seed: 2 }), randn([17], { seed: 3 })],
    ],
    ['2-D, no bias', () => [randn([9, 8], { seed: 4 }), randn([3, 8], { seed: 5 }), undefined]],
    [
      'strided x, transposed-view weight',
      () => [
        randn([6, 4, 10], { seed: 6 }).permute(1, 0, 2),
        contiguous(randn([10, 7], { seed: 7 })).transpose(0, 1),
        randn([7], { seed: 8 }),
      ],
    ],
  ];
  for (const [name, make] of cases) {
    it(`matches matmul(x, wᵀ) + b: ${name}`, () => {
      const [x, w, b] = make();
      const got = linear(x, w, b);
      assertClose(got, composed(x, w, b), name);
      useBackend('reference');
      try {
        assertClose(linear(x, w, b), composed(x, w, b), `${name} (reference)`);
      } finally {
        useBackend(undefined);
      }
    });
  }

  it('rejects mismatched shapes with FrugalError', () => {
    const isShape = (e: unknown) => e instanceof FrugalError && e.code === 'E_SHAPE';
    assert.throws(() => linear(randn([2, 3]), randn([4, 5])), isShape);
    assert.throws(() => linear(randn([2, 3]), randn([4, 3]), randn([5])), isShape);
  });
});
