/**
 * The backend conformance suite: every op case runs on every available backend and ISA level
 * and must match the reference backend within a per-case tolerance. Under FRUGAL_NATIVE=0 only
 * the reference backend is present and the suite checks the ops against hand-computed values
 * (ops-values.test.ts) instead; here it then checks that each case runs and is deterministic.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatchCounts, resetDispatchCounts } from '../../src/backend/registry.js';
import { backendStatus, tidy, useBackend } from '../../src/ops/index.js';
import { nativeIsaLevels, setNativeIsa } from '../support/native-levels.js';
import { CASES } from './conformance-cases.js';

const SEEDS = [1, 2, 3, 4, 5, 6];

function compute(caseRun: (seed: number) => import('../../src/ops/index.js').Tensor, seed: number) {
  return tidy(() => {
    const t = caseRun(seed);
    return { shape: [...t.shape], dtype: t.dtype, values: t.toFlatArray() };
  });
}

function assertClose(name: string, actual: number[], expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length, `${name}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${name}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    const err = Math.abs(a - e);
    assert.ok(
      err <= tol * (1 + Math.abs(e)),
      `${name}[${i}]: ${a} vs reference ${e} (err ${err}, tol ${tol})`,
    );
  }
}

const status = backendStatus();
const targets = status.active.filter((b) => b !== 'reference');

describe('conformance', () => {
  it('every case runs on the reference backend and is deterministic', () => {
    useBackend('reference');
    try {
      for (const c of CASES) {
        for (const seed of SEEDS.slice(0, 2)) {
          const a = compute(c.run, seed);
          const b = compute(c.run, seed);
          assert.deepEqual(a, b, c.name);
          assert.ok(
            a.values.every((v) => typeof v === 'number'),
            c.name,
          );
        }
      }
    } finally {
      useBackend(undefined);
    }
  });

  for (const backend of targets) {
    for (const level of nativeIsaLevels()) {
      describe(`${backend} at ISA level ${level}`, () => {
        for (const c of CASES) {
          it(c.name, () => {
            let ranNative = 0;
            for (const seed of SEEDS) {
              useBackend('reference');
              const expected = compute(c.run, seed);
              useBackend(backend);
              setNativeIsa(level);
              try {
                resetDispatchCounts();
                const actual = compute(c.run, seed);
                ranNative += Object.entries(dispatchCounts())
                  .filter(([k]) => k.startsWith(`${backend}:`))
                  .reduce((n, [, v]) => n + v, 0);
                assert.deepEqual(actual.shape, expected.shape, `${c.name} seed ${seed}: shape`);
                assert.equal(actual.dtype, expected.dtype, `${c.name} seed ${seed}: dtype`);
                assertClose(`${c.name} seed ${seed}`, actual.values, expected.values, c.tol ?? 1e-5);
              } finally {
                setNativeIsa(undefined);
                useBackend(undefined);
              }
            }
            if (c.native) assert.ok(ranNative > 0, `${c.name}: the ${backend} backend never ran it`);
          });
        }
      });
    }
  }
});
