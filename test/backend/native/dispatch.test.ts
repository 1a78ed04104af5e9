import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ISA_LEVELS, loadNative, packageRoot } from '../../../src/backend/native/binding.js';
import { native } from './native-fixture.js';

const addonFile =
  process.env.FRUGAL_NATIVE_PATH || join(packageRoot(), 'build', 'Release', 'frugal_native.node');

/** Loads the addon in a fresh process with `env` and returns its cpuInfo(). */
function childInfo(env: Record<string, string>): { level: string; threads: number } {
  const code = `const a = require(${JSON.stringify(addonFile)}); console.log(JSON.stringify(a.cpuInfo()));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { level: string; threads: number };
}

test('cpuInfo reports features, the detected, active and compiled levels', (t) => {
  if (!native.available) return t.skip(native.reason);
  const info = native.addon.cpuInfo();
  assert.ok(Array.isArray(info.features));
  for (const key of ['detected', 'level', 'compiled', 'max'] as const)
    assert.ok(ISA_LEVELS.includes(info[key]));
  if (info.detected !== 'scalar') assert.ok(info.features.includes('avx2') && info.features.includes('fma'));
  if (info.detected === 'avx512') assert.ok(info.features.includes('avx512f'));
  assert.ok(info.threads >= 1);
});

test('setIsaMax lowers the level and FRUGAL_CPU_MAX caps it at load', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  try {
    assert.equal(addon.setIsaMax('scalar'), 'scalar');
    assert.equal(addon.cpuInfo().level, 'scalar');
    assert.throws(() => addon.setIsaMax('sse9' as 'scalar'), /level must be 'avx512', 'avx2' or 'scalar'/);
  } finally {
    addon.setIsaMax('avx512');
  }
  assert.equal(addon.cpuInfo().level, addon.cpuInfo().detected);
  assert.equal(childInfo({ FRUGAL_CPU_MAX: 'scalar' }).level, 'scalar');
});

test('thread pool: FRUGAL_THREADS at load, setThreads/getThreads, bad counts rejected', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  assert.equal(childInfo({ FRUGAL_THREADS: '1' }).threads, 1);
  assert.equal(childInfo({ FRUGAL_THREADS: '3' }).threads, 3);
  const saved = addon.getThreads();
  try {
    assert.equal(addon.setThreads(3), 3);
    assert.equal(addon.getThreads(), 3);
    assert.throws(() => addon.setThreads(0), /setThreads: n must be an integer in \[1, 1024\]/);
    assert.throws(() => addon.setThreads(1.5), /setThreads/);
  } finally {
    addon.setThreads(saved);
  }
});

test('fmaPeak measures a positive rate and rejects bad durations', (t) => {
  if (!native.available) return t.skip(native.reason);
  const addon = native.addon;
  assert.ok(addon.fmaPeak(1, 5) > 0);
  assert.throws(() => addon.fmaPeak(1, 0), /milliseconds must be in/);
});

test('FRUGAL_NATIVE=0 makes the addon unavailable with a reason', () => {
  const saved = process.env.FRUGAL_NATIVE;
  process.env.FRUGAL_NATIVE = '0';
  try {
    assert.deepEqual(loadNative(), { available: false, reason: 'disabled by FRUGAL_NATIVE=0' });
  } finally {
    if (saved === undefined) delete process.env.FRUGAL_NATIVE;
    else process.env.FRUGAL_NATIVE = saved;
  }
});

test('a missing addon file is reported as not built', () => {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./src/backend/native/binding.ts').then((m) => console.log(JSON.stringify(m.loadNative())))`,
    ],
    {
      encoding: 'utf8',
      cwd: packageRoot(),
      env: { ...process.env, FRUGAL_NATIVE: '1', FRUGAL_NATIVE_PATH: '/nonexistent/frugal.node' },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { available: boolean; reason: string };
  assert.equal(res.available, false);
  assert.match(res.reason, /native addon not built/);
});
