import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrugalError } from '../../src/core/errors.js';
import { memoryInfo, setStoragePoolLimit, Tensor, tensor } from '../../src/ops/index.js';

describe('storage pool', () => {
  it('hands a released array back zero-filled to the next storage of that dtype and size', () => {
    const n = 1 << 15; // 128 KiB of f32: large enough to be pooled
    const a = Tensor.empty('f32', [n], 'test');
    const first = a.data;
    first.fill(7);
    const live = memoryInfo().liveBytes;
    a.dispose();
    assert.equal(memoryInfo().liveBytes, live - 4 * n, 'the account drops on release');
    const b = Tensor.empty('f32', [n], 'test');
    assert.equal(b.data, first, 'the same array is reused');
    assert.ok(
      b.data.every((v) => v === 0),
      'zero-filled again',
    );
    const other = Tensor.empty('i32', [n], 'test');
    assert.notEqual(other.data as unknown, first, 'another dtype gets its own array');
    b.dispose();
    other.dispose();
  });

  it('when full, drops the sizes used least recently to keep the newest', () => {
    const n = 1 << 15;
    const previous = setStoragePoolLimit(0);
    setStoragePoolLimit(4 * 4 * n);
    try {
      // Four arrays of one size fill the pool (weights released once, never asked for again).
      const old = Array.from({ length: 4 }, () => Tensor.empty('f32', [n], 'test'));
      const oldData = new Set<unknown>(old.map((t) => t.data));
      for (const t of old) t.dispose();
      const act = Tensor.empty('f32', [n + 16], 'test');
      const actData = act.data;
      act.dispose();
      const again = Tensor.empty('f32', [n + 16], 'test');
      assert.equal(again.data, actData, 'the newer size got into the full pool and is reused');
      again.dispose();
      const taken = Array.from({ length: 4 }, () => Tensor.empty('f32', [n], 'test'));
      const kept = taken.filter((t) => oldData.has(t.data)).length;
      assert.equal(kept, 2, 'two of the older arrays made room for the larger one');
      for (const t of taken) t.dispose();
    } finally {
      setStoragePoolLimit(previous);
    }
  });

  it('never pools a caller array, small arrays, or anything when disabled', () => {
    const mine = new Float32Array(1 << 15);
    tensor(mine, { shape: [1 << 15] }).dispose();
    assert.notEqual(Tensor.empty('f32', [1 << 15], 'test').data, mine);
    const small = Tensor.empty('f32', [16], 'test');
    const smallData = small.data;
    small.dispose();
    assert.notEqual(Tensor.empty('f32', [16], 'test').data, smallData);
    const previous = setStoragePoolLimit(0);
    try {
      const c = Tensor.empty('f32', [1 << 15], 'test');
      const data = c.data;
      c.dispose();
      assert.notEqual(Tensor.empty('f32', [1 << 15], 'test').data, data);
    } finally {
      setStoragePoolLimit(previous);
    }
    assert.throws(
      () => setStoragePoolLimit(-1),
      (e: unknown) => e instanceof FrugalError && e.code === 'E_ARG',
    );
  });
});
