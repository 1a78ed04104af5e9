import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useBackend } from '../../src/backend/registry.js';
import { FrugalError } from '../../src/core/errors.js';
import { add, addLayerNorm, layerNorm, randn, type Tensor } from '../../src/ops/index.js';
import { nativeIsaLevels, setNativeIsa } from '../support/native-levels.js';

function assertClose(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const a = actual.toFlatArray();
  const e = expected.toFlatArray();
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i]! - e[i]!) <= 1e-5 * (1 + Math.abs(e[i]!)),
      `${what}: element ${i}: ${a[i]} vs ${e[i]}`,
    );
  }
}

describe('addLayerNorm', () => {
  const cases: [string, () => [Tensor, Tensor, Tensor | undefined, Tensor | undefined]][] = [
    [
      '[B, T, C] with gamma and beta, rows split across threads',
      () => [
        randn([4, 50, 96], { seed: 1 }),
        randn([4, 50, 96], { seed: 2 }),
        randn([96], { seed: 3 }),
        randn([96], { seed: 4 }),
      ],
    ],
    [
      'odd width, no affine',
      () => [randn([3, 13], { seed: 5 }), randn([3, 13], { seed: 6 }), undefined, undefined],
    ],
    [
      'strided residual',
      () => [
        randn([5, 8], { seed: 7 }),
        randn([8, 5], { seed: 8 }).transpose(0, 1),
        randn([8], { seed: 9 }),
        undefined,
      ],
    ],
  ];
  for (const [name, make] of cases) {
    it(`matches layerNorm(x + residual) at every ISA level and on the reference backend: ${name}`, () => {
      const [x, r, g, b] = make();
      const want = layerNorm(add(x, r), g, b, 1e-5);
      for (const level of [...nativeIsaLevels(), undefined]) {
        setNativeIsa(level);
        try {
          assertClose(addLayerNorm(x, r, g, b, 1e-5), want, `${name} ${level ?? 'default'}`);
        } finally {
          setNativeIsa(undefined);
        }
      }
      useBackend('reference');
      try {
        assertClose(addLayerNorm(x, r, g, b, 1e-5), want, `${name} (reference)`);
      } finally {
        useBackend(undefined);
      }
    });
  }

  it('rejects a residual of another shape or dtype with E_SHAPE', () => {
    const isShape = (e: unknown) => e instanceof FrugalError && e.code === 'E_SHAPE';
    assert.throws(() => addLayerNorm(randn([2, 4]), randn([4])), isShape);
    assert.throws(() => addLayerNorm(randn([2, 4]), randn([2, 4], { dtype: 'bf16' })), isShape);
  });
});
