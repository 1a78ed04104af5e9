/**
 * Shared setup for the native kernel tests: the addon (or why it is missing), the ISA levels this
 * CPU can run, and a runner that repeats a check at every level and at 1 and 2 threads.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import {
  ISA_LEVELS,
  type IsaLevel,
  loadNative,
  type NativeAddon,
} from '../../../src/backend/native/binding.js';
import type { Rng } from '../../../src/core/rng.js';

export const native = loadNative();

/** The levels to test: every level at or below the one this CPU supports. */
export function levels(addon: NativeAddon): IsaLevel[] {
  const detected = addon.cpuInfo().detected;
  return ISA_LEVELS.slice(ISA_LEVELS.indexOf(detected));
}

/** Runs `check` at every available ISA level and at 1 and 2 threads; skips without the addon. */
export function eachConfig(
  t: TestContext,
  check: (addon: NativeAddon, label: string) => void,
  threads: readonly number[] = [1, 2],
): void {
  if (!native.available) {
    t.skip(native.reason);
    return;
  }
  const addon = native.addon;
  const saved = addon.getThreads();
  try {
    for (const level of levels(addon)) {
      assert.equal(addon.setIsaMax(level), level);
      for (const n of threads) {
        addon.setThreads(n);
        check(addon, `${level} t${n}`);
      }
    }
  } finally {
    addon.setIsaMax('avx512');
    addon.setThreads(saved);
  }
}

export function randomF32(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.uniform() * 2 - 1) * scale;
  return out;
}

/** Asserts |got - want| <= atol + rtol * |want| elementwise, naming the first bad index. */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  label: string,
): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w) continue;
    const err = Math.abs(g - w);
    if (!(err <= atol + rtol * Math.abs(w))) assert.fail(`${label}: index ${i}: got ${g}, want ${w}`);
  }
}
