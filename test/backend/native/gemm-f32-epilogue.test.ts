import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geluErf } from '../../../src/backend/reference/scalar-math.js';
import { Rng } from '../../../src/core/rng.js';
import { eachConfig, randomF32 } from './native-fixture.js';

/**
 * With k = 1 and x = 1 the GEMM passes each packed weight through exactly, so c[i][j] is the
 * epilogue applied to b[j]: a sweep of the activation over the values in `b`. m = 7 and an odd n
 * put every value through both the full-tile and the partial-tile paths.
 */
function epilogueOf(
  addon: Parameters<Parameters<typeof eachConfig>[1]>[0],
  b: Float32Array,
  activation: 'none' | 'gelu_erf' | 'gelu_tanh' | 'relu' | 'silu',
  bias: Float32Array | null = null,
): Float32Array {
  const [m, n] = [7, b.length];
  const packed = addon.gemmF32PackB(n, 1, b, 0, 1, true);
  const out = new Float32Array(m * n);
  assert.equal(
    addon.linearF32Packed(m, n, 1, new Float32Array(m).fill(1), 0, 1, packed, bias, activation, out, 0, n),
    true,
  );
  for (let i = 1; i < m; i++)
    for (let j = 0; j < n; j++) assert.equal(Object.is(out[i * n + j], out[j]), true, `row ${i} col ${j}`);
  return out.subarray(0, n);
}

test('linearF32Packed GELU-erf epilogue: |error| <= 2.5e-7 max(|x|, 1) over [-12, 12], exact limits', (t) => {
  const sweep = Float32Array.from({ length: 24001 }, (_, i) => -12 + i / 1000);
  const special = [Infinity, -Infinity, 1e30, -1e30, 0, -0, -5.6568, -5.6569, 1e-30, -1e-30];
  eachConfig(t, (addon, label) => {
    const got = epilogueOf(addon, sweep, 'gelu_erf');
    let worst = 0;
    for (let i = 0; i < sweep.length; i++) {
      const x = sweep[i]!;
      worst = Math.max(worst, Math.abs(got[i]! - geluErf(x)) / Math.max(Math.abs(x), 1));
    }
    assert.ok(worst <= 2.5e-7, `${label}: worst |error| / max(|x|, 1) = ${worst}`);
    const s = epilogueOf(addon, Float32Array.from([...special, Number.NaN]), 'gelu_erf');
    assert.deepEqual(Array.from(s.subarray(0, 4)), [Infinity, 0, Math.fround(1e30), 0], `${label}: limits`);
    assert.equal(Math.abs(s[4]!) + Math.abs(s[5]!), 0, `${label}: gelu(±0)`);
    for (const i of [6, 7]) assert.ok(Math.abs(s[i]!) < 1e-6, `${label}: gelu(${special[i]}) = ${s[i]}`);
    for (const i of [8, 9]) assert.ok(Math.abs(s[i]! - special[i]! / 2) <= 1e-37, `${label}: gelu(tiny)`);
    assert.ok(Number.isNaN(s[10]), `${label}: NaN propagates`);
  });
});

test('linearF32Packed epilogue: bias and the other activations equal the separate passes bit for bit', (t) => {
  const rng = new Rng(45);
  const b = randomF32(rng, 37, 4);
  const bias = randomF32(rng, 37);
  eachConfig(t, (addon, label) => {
    const plain = epilogueOf(addon, b, 'none', bias);
    for (let j = 0; j < b.length; j++)
      assert.equal(plain[j], Math.fround(b[j]! + bias[j]!), `${label}: bias col ${j}`);
    for (const act of ['gelu_tanh', 'relu', 'silu'] as const) {
      const want = plain.slice();
      addon.unaryF32(act, want, 0, want, 0, want.length);
      assert.deepEqual(Array.from(epilogueOf(addon, b, act, bias)), Array.from(want), `${label} ${act}`);
    }
  });
});
