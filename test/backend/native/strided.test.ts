import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatchCounts, resetDispatchCounts, useBackend } from '../../../src/backend/registry.js';
import { Rng } from '../../../src/core/rng.js';
import * as F from '../../../src/ops/index.js';
import { assertClose, eachConfig, randomF32 } from './native-fixture.js';

/** The op on the reference backend, then on the default (native first) backends. */
function both(fn: () => F.Tensor): { ref: number[]; got: number[] } {
  useBackend('reference');
  let ref: number[];
  try {
    ref = F.tidy(() => fn().toFlatArray());
  } finally {
    useBackend(undefined);
  }
  return { ref, got: F.tidy(() => fn().toFlatArray()) };
}

/** A kept f32 tensor of `shape` with seeded random values. */
function randomTensor(rng: Rng, shape: number[]): F.Tensor {
  return F.keep(
    F.tensor(
      randomF32(
        rng,
        shape.reduce((a, b) => a * b, 1),
      ),
      { shape },
    ),
  );
}

describe('native strided copy', () => {
  const rng = new Rng(11);
  const x = F.keep(F.tensor(randomF32(rng, 2 * 3 * 5 * 7), { shape: [2, 3, 5, 7] }));
  const views: [string, () => F.Tensor][] = [
    ['attention heads permute(0, 2, 1, 3)', () => F.contiguous(x.permute(0, 2, 1, 3))],
    ['full reverse permute', () => F.contiguous(x.permute(3, 2, 1, 0))],
    ['strided slice', () => F.contiguous(x.slice(2, 1, 5, 2))],
    ['broadcast expand', () => F.contiguous(x.slice(0, 0, 1).expand([4, 3, 5, 7]))],
    ['into a strided view (concat)', () => F.concat([x, x.permute(0, 1, 2, 3)], 3)],
  ];
  for (const [name, fn] of views) {
    it(`${name} matches the reference bit for bit at every level and thread count`, (t) => {
      eachConfig(t, (_addon, label) => {
        resetDispatchCounts();
        const { ref, got } = both(fn);
        assert.deepEqual(got, ref, label);
        assert.ok((dispatchCounts()['native:copy'] ?? 0) > 0, `${label}: ran natively`);
      });
    });
  }
});

describe('native scatterAdd', () => {
  const cases: [string, number[], number, number[]][] = [
    ['embedding gradient (axis 0, repeated ids)', [50, 33], 0, [3, 7, 3, 49, 0, 3, 7]],
    ['slice gradient (axis 1)', [4, 6, 19], 1, [0, 5, 5]],
    ['big rows split over threads', [64, 40_000], 0, [1, 1, 63, 0]],
  ];
  for (const [name, shape, axis, ids] of cases) {
    it(`${name} matches the reference at every level and thread count`, (t) => {
      const rng = new Rng(5);
      const src = randomTensor(
        rng,
        shape.map((d, i) => (i === axis ? ids.length : d)),
      );
      const base = randomTensor(rng, shape);
      const idx = F.keep(F.tensor(Int32Array.from(ids)));
      eachConfig(t, (_addon, label) => {
        resetDispatchCounts();
        const { ref, got } = both(() => F.scatterAdd(F.add(base, 0), idx, src, axis));
        assertClose(got, ref, 1e-6, 1e-6, label);
        assert.ok((dispatchCounts()['native:scatterAdd'] ?? 0) > 0, `${label}: ran natively`);
      });
      for (const x of [src, base, idx]) x.dispose();
    });
  }

  it('rejects an out-of-range index before writing', (t) => {
    eachConfig(t, () => {
      const target = F.zeros([3, 2]);
      assert.throws(() => F.scatterAdd(target, F.tensor(Int32Array.from([0, 3])), F.ones([2, 2])));
      assert.deepEqual(target.toFlatArray(), [0, 0, 0, 0, 0, 0]);
      target.dispose();
    }, [1]);
  });
});

describe('native gather', () => {
  const cases: [string, number[], number, number[]][] = [
    ['embedding lookup (axis 0, repeated ids)', [50, 33], 0, [3, 7, 3, 49, 0, 3, 7]],
    ['middle axis', [4, 6, 19], 1, [0, 5, 5, 2]],
    ['last axis', [3, 8], 1, [7, 0]],
    ['many rows split over threads', [64, 1024], 0, Array.from({ length: 300 }, (_, i) => (i * 7) % 64)],
  ];
  for (const [name, shape, axis, ids] of cases) {
    it(`${name} matches the reference bit for bit at every level and thread count`, (t) => {
      const rng = new Rng(8);
      const table = randomTensor(rng, shape);
      const idx = F.keep(F.tensor(Int32Array.from(ids)));
      eachConfig(t, (_addon, label) => {
        resetDispatchCounts();
        const { ref, got } = both(() => F.gather(table, idx, axis));
        assert.deepEqual(got, ref, label);
        assert.ok((dispatchCounts()['native:gather'] ?? 0) > 0, `${label}: ran natively`);
      });
      table.dispose();
      idx.dispose();
    });
  }
});

describe('native where', () => {
  const rng = new Rng(17);
  const scores = F.keep(F.tensor(randomF32(rng, 2 * 3 * 4 * 5), { shape: [2, 3, 4, 5] }));
  const mask = F.keep(F.gt(F.tensor(randomF32(rng, 4 * 5), { shape: [4, 5] }), 0));
  const cases: [string, () => F.Tensor][] = [
    ['broadcast mask, scalar fill (attention masking)', () => F.where(mask, scores, -1e9)],
    ['gradient form: where(cond, 0, g)', () => F.where(mask, 0, scores)],
    [
      'transposed operand',
      () => F.where(mask.permute(1, 0).permute(1, 0), scores.permute(0, 1, 2, 3), scores),
    ],
  ];
  for (const [name, fn] of cases) {
    it(`${name} matches the reference bit for bit at every level and thread count`, (t) => {
      eachConfig(t, (_addon, label) => {
        resetDispatchCounts();
        const { ref, got } = both(fn);
        assert.deepEqual(got, ref, label);
        assert.ok((dispatchCounts()['native:where'] ?? 0) > 0, `${label}: ran natively`);
      });
    });
  }
});
