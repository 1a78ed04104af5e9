import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useBackend } from '../../src/backend/registry.js';
import { FrugalError } from '../../src/core/errors.js';
import {
  add,
  contiguous,
  gelu,
  type LinearActivation,
  linear,
  matmul,
  randn,
  relu,
  silu,
  type Tensor,
  type WeightCache,
} from '../../src/ops/index.js';
import { nativeIsaLevels, setNativeIsa } from '../support/native-levels.js';

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

  const activate: Record<LinearActivation, (t: Tensor) => Tensor> = {
    gelu_erf: (t) => gelu(t, 'none'),
    gelu_tanh: (t) => gelu(t, 'tanh'),
    relu,
    silu,
  };
  // [B, T, K] crossing the kernels' K blocks, with enough work (> 2 MFLOP) to be threaded.
  const big = () => [
    randn([2, 64, 300], { seed: 11 }),
    randn([72, 300], { seed: 12 }),
    randn([72], { seed: 13 }),
  ];
  for (const activation of Object.keys(activate) as LinearActivation[]) {
    it(`with activation ${activation} and a weight cache matches act(matmul(x, wᵀ) + b) at every ISA level`, () => {
      const [x, w, b] = big() as [Tensor, Tensor, Tensor];
      const want = activate[activation](composed(x, w, b));
      const cache: WeightCache = {};
      for (const level of [...nativeIsaLevels(), undefined]) {
        setNativeIsa(level);
        try {
          // Twice per level: packing on the first call (or after the level changed), reuse after.
          assertClose(linear(x, w, b, { activation, cache }), want, `${activation} ${level ?? 'default'}`);
          assertClose(
            linear(x, w, b, { activation, cache }),
            want,
            `${activation} ${level ?? 'default'} again`,
          );
        } finally {
          setNativeIsa(undefined);
        }
      }
      assertClose(linear(x, w, b, { activation }), want, `${activation} without cache`);
      useBackend('reference');
      try {
        const small = x.slice(1, 0, 3);
        assertClose(
          linear(small, w, b, { activation, cache }),
          activate[activation](composed(small, w, b)),
          'reference',
        );
      } finally {
        useBackend(undefined);
      }
    });
  }

  it('keeps a packed weight for the same tensor and repacks for another one', () => {
    const [x, w, b] = big() as [Tensor, Tensor, Tensor];
    const cache: WeightCache = {};
    linear(x, w, b, { cache });
    const first = cache.prepared;
    linear(x, w, b, { cache });
    if (first !== undefined) assert.equal(cache.prepared, first, 'the packed copy is reused');
    const w2 = randn([72, 300], { seed: 14 });
    assertClose(linear(x, w2, b, { cache }), composed(x, w2, b), 'a new weight tensor is packed again');
    if (first !== undefined) assert.notEqual(cache.prepared, first);
  });

  it('rejects an unknown activation with E_ARG', () => {
    assert.throws(
      () => linear(randn([2, 3]), randn([4, 3]), undefined, { activation: 'tanh' as LinearActivation }),
      (e: unknown) => e instanceof FrugalError && e.code === 'E_ARG',
    );
  });

  it('rejects mismatched shapes with FrugalError', () => {
    const isShape = (e: unknown) => e instanceof FrugalError && e.code === 'E_SHAPE';
    assert.throws(() => linear(randn([2, 3]), randn([4, 5])), isShape);
    assert.throws(() => linear(randn([2, 3]), randn([4, 3]), randn([5])), isShape);
  });
});
