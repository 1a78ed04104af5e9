import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  admmInit,
  admmPenaltyGrad,
  admmUpdate,
  nmCompression,
  nmMask,
  packNm,
  projectNm,
  unpackNm,
} from '../../src/compress/nm-sparsity.js';
import { isFrugalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';

const p24 = { n: 2, m: 4 };

describe('N:M sparsity', () => {
  it('2:4 magnitude mask keeps the two largest |w| of every block of four', () => {
    const w = Float32Array.from([0.1, -0.9, 0.5, 0.2, 3, 3, -1, 0]);
    assert.deepEqual([...nmMask(w, 8, p24)], [0, 1, 1, 0, 1, 1, 0, 0]);
    assert.deepEqual([...projectNm(w, 8, p24)], [0, Math.fround(-0.9), 0.5, 0, 3, 3, 0, 0]);
    assert.throws(
      () => nmMask(w, 6, p24),
      (e) => isFrugalError(e) && e.code === 'E_SHAPE',
    );
    assert.throws(
      () => nmMask(w, 8, { n: 4, m: 4 }),
      (e) => isFrugalError(e) && e.code === 'E_CONFIG',
    );
  });

  it('packs values plus 2-bit positions and unpacks to the projected weight; reports both ratios', () => {
    const rng = new Rng(4);
    const w = Float32Array.from({ length: 6 * 16 }, () => rng.uniform() * 2 - 1);
    const packed = packNm(w, 6, 16, p24);
    assert.equal(packed.values.length, 48);
    assert.equal(packed.indices.length, 12);
    assert.deepEqual([...unpackNm(packed)], [...projectNm(w, 16, p24)]);
    const r = nmCompression(packed);
    assert.equal(r.withoutMetadata, 2);
    assert.equal(r.withMetadata, (96 * 32) / (48 * 32 + 96));
    const r8 = nmCompression(packed, 8);
    assert.equal(r8.withoutMetadata, 8);
    const p38 = packNm(w, 6, 16, { n: 3, m: 8 });
    assert.equal(p38.indexBits, 3);
    assert.deepEqual([...unpackNm(p38)], [...projectNm(w, 16, { n: 3, m: 8 })]);
  });

  it('ADMM: W pulled by the penalty alone converges onto the N:M set', () => {
    const rng = new Rng(5);
    const w = Float32Array.from({ length: 32 }, () => rng.uniform() * 2 - 1);
    const state = admmInit(w, 8, p24);
    for (let step = 0; step < 200; step++) {
      const grad = new Float32Array(w.length);
      admmPenaltyGrad(state, w, 1, grad);
      for (let i = 0; i < w.length; i++) w[i]! -= 0.1 * grad[i]!;
      if (step % 10 === 9) admmUpdate(state, w, 8, p24);
    }
    const gap = w.reduce((s, v, i) => s + (v - state.z[i]!) ** 2, 0);
    assert.ok(gap < 1e-6, `||W - Z||^2 = ${gap}`);
    const mask = nmMask(state.z, 8, p24);
    for (let i = 0; i < w.length; i++) if (!mask[i]) assert.ok(Math.abs(w[i]!) < 1e-3);
  });
});
