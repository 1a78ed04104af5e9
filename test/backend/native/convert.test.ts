import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/core/rng.js';
import { eachConfig } from './native-fixture.js';

/** f32 -> bf16 bits by round-to-nearest-even on the bit pattern (NaN kept quiet). */
function bf16Ref(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Value of half bits h, for checking f32ToF16 by round trip and nearest-value search. */
function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  if (e === 0) return s * m * 2 ** -24;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function inputs(): Float32Array {
  const rng = new Rng(11);
  const special = [
    0,
    -0,
    1,
    -1,
    65504,
    65519.99,
    65520,
    1e-8,
    2 ** -24,
    2 ** -25,
    3 * 2 ** -26,
    6.1e-5,
    Infinity,
  ];
  const vals = [...special, -Infinity, Number.NaN, 3.4e38, 1.0000001, 1 + 2 ** -8, 1 + 3 * 2 ** -8];
  for (let i = 0; i < 3000; i++) vals.push((rng.normal() * 10) ** 3 * 2 ** (rng.int(40) - 30));
  return Float32Array.from(vals);
}

test('f32 <-> bf16 round to nearest even and round-trip exactly', (t) => {
  eachConfig(t, (addon, label) => {
    const x = inputs();
    const h = new Uint16Array(x.length + 1);
    addon.f32ToBf16(x, 0, h, 1, x.length);
    for (let i = 0; i < x.length; i++)
      assert.equal(h[i + 1], bf16Ref(x[i]!), `${label} index ${i} (${x[i]})`);
    const back = new Float32Array(x.length);
    addon.bf16ToF32(h, 1, back, 0, x.length);
    const again = new Uint16Array(x.length);
    addon.f32ToBf16(back, 0, again, 0, x.length);
    assert.deepEqual(again, h.subarray(1));
  });
});

test('f32 -> f16 picks the nearest half (ties to even) and f16 -> f32 is exact', (t) => {
  eachConfig(t, (addon, label) => {
    const x = inputs();
    const h = new Uint16Array(x.length);
    addon.f32ToF16(x, 0, h, 0, x.length);
    const back = new Float32Array(x.length);
    addon.f16ToF32(h, 0, back, 0, x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const got = halfValue(h[i]!);
      assert.equal(back[i], Math.fround(got), `${label} f16ToF32 index ${i}`);
      if (Number.isNaN(v)) {
        assert.ok(Number.isNaN(got));
        continue;
      }
      if (Math.abs(v) >= 65520) {
        assert.equal(got, Math.sign(v) * Number.POSITIVE_INFINITY, `${label} overflow ${v}`);
        continue;
      }
      // Neighbours of the chosen half must not be strictly nearer, and ties must pick even bits.
      for (const nb of [h[i]! - 1, h[i]! + 1]) {
        if (nb < 0 || (nb & 0x7c00) === 0x7c00 || ((nb ^ h[i]!) & 0x8000) !== 0) continue;
        const dGot = Math.abs(got - v);
        const dNb = Math.abs(halfValue(nb) - v);
        assert.ok(dGot < dNb || (dGot === dNb && (h[i]! & 1) === 0), `${label} value ${v}: got ${got}`);
      }
    }
  });
});

test('conversions reject out-of-bounds ranges', (t) => {
  eachConfig(
    t,
    (addon) => {
      assert.throws(
        () => addon.f32ToF16(new Float32Array(4), 2, new Uint16Array(4), 0, 3),
        /'x' needs elements/,
      );
      assert.throws(() => addon.bf16ToF32(new Uint16Array(4), 0, new Float32Array(2), 0, 3), /'out' needs/);
    },
    [1],
  );
});
