import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as F from '../../src/ops/index.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../src/tensor/dtype.js';

describe('tensor views copy nothing', () => {
  const x = F.arange(24).view([2, 3, 4]);

  it('transpose, permute, slice, expand share storage', () => {
    const t = x.transpose(0, 2);
    assert.equal(t.storage, x.storage);
    assert.deepEqual(t.shape, [4, 3, 2]);
    assert.equal(t.get(3, 2, 1), x.get(1, 2, 3));
    const s = x.slice(2, 1, 4, 2);
    assert.deepEqual(s.toArray(), [
      [
        [1, 3],
        [5, 7],
        [9, 11],
      ],
      [
        [13, 15],
        [17, 19],
        [21, 23],
      ],
    ]);
    const e = F.tensor([1, 2]).view([2, 1]).expand([2, 3]);
    assert.deepEqual(e.strides, [1, 0]);
    assert.deepEqual(e.toArray(), [
      [1, 1, 1],
      [2, 2, 2],
    ]);
    assert.deepEqual(x.permute(2, 0, 1).shape, [4, 2, 3]);
    assert.deepEqual(x.unsqueeze(1).squeeze().shape, [2, 3, 4]);
  });

  it('view regroups contiguous runs and refuses impossible views', () => {
    const t = x.transpose(1, 2);
    assert.deepEqual(t.view([2, 4, 3]).shape, [2, 4, 3]);
    assert.throws(() => t.view([2, 12]), /cannot be viewed/);
    const merged = x.slice(0, 1, 2).view([12]);
    assert.equal(merged.get(0), 12);
    const r = F.reshape(t, [2, 12]);
    assert.notEqual(r.storage, x.storage);
    assert.deepEqual(r.toFlatArray().slice(0, 4), [0, 4, 8, 1]);
  });

  it('contiguous copies only when needed', () => {
    assert.equal(F.contiguous(x).storage, x.storage);
    const c = F.contiguous(x.transpose(0, 1));
    assert.notEqual(c.storage, x.storage);
    assert.ok(c.isContiguous);
  });
});

describe('dtypes', () => {
  it('bf16 rounds to nearest even', () => {
    assert.equal(bf16ToF32(f32ToBf16(1 + 2 ** -8)), 1);
    assert.equal(bf16ToF32(f32ToBf16(1 + 2 ** -8 + 2 ** -20)), 1 + 2 ** -7);
    assert.ok(Number.isNaN(bf16ToF32(f32ToBf16(Number.NaN))));
  });

  it('f16 handles subnormals, overflow and round-trips every value', () => {
    for (let h = 0; h < 0x7c00; h += 7) assert.equal(f32ToF16(f16ToF32(h)), h);
    assert.equal(f16ToF32(f32ToF16(70000)), Number.POSITIVE_INFINITY);
    assert.equal(f16ToF32(f32ToF16(2 ** -25)), 0);
    assert.equal(f16ToF32(f32ToF16(3 * 2 ** -25)), 2 ** -23);
  });

  it('typed arrays become storage without a copy when the type matches', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const t = F.tensor(data, { shape: [2, 2] });
    data[0] = 9;
    assert.equal(t.get(0, 0), 9);
    assert.equal(F.tensor(new Uint16Array([f32ToBf16(2)]), { dtype: 'bf16' }).item(), 2);
  });
});

describe('seeded creation', () => {
  it('the same seed gives the same numbers, different seeds differ', () => {
    assert.deepEqual(F.randn([5], { seed: 7 }).toArray(), F.randn([5], { seed: 7 }).toArray());
    assert.notDeepEqual(F.randn([5], { seed: 7 }).toArray(), F.randn([5], { seed: 8 }).toArray());
    const u = F.rand([1000], { seed: 3, low: 2, high: 4 }).toFlatArray();
    assert.ok(u.every((v) => v >= 2 && v < 4));
    const n = F.randn([4000], { seed: 1 }).toFlatArray();
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(sd - 1) < 0.05, `${mean} ${sd}`);
  });

  it('arange, full, ones', () => {
    assert.deepEqual(F.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(F.full([2], 3, 'i32').toArray(), [3, 3]);
    assert.deepEqual(F.ones([0, 3]).shape, [0, 3]);
  });
});
