import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

function doctor(env: Record<string, string>): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('frugal doctor', () => {
  it('reports why the native addon is not in use when disabled', () => {
    const report = doctor({ FRUGAL_NATIVE: '0' });
    assert.deepEqual(report.backends, ['reference']);
    assert.deepEqual(report.native, { available: false, reason: 'disabled by FRUGAL_NATIVE=0' });
  });

  it('warns on stderr when the addon cannot be loaded, not when it was turned off on purpose', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor', '--json'], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    const missing = run({ FRUGAL_NATIVE_PATH: '/nonexistent/frugal_native.node' });
    assert.equal(missing.status, 0, missing.stderr);
    assert.match(missing.stderr, /warning: every op runs on the slow TypeScript reference/);
    assert.doesNotMatch(run({ FRUGAL_NATIVE: '0' }).stderr, /warning/);
  });

  it('reports the ISA level, features and threads when native is loaded', (t) => {
    const report = doctor({ FRUGAL_CPU_MAX: 'scalar', FRUGAL_THREADS: '1' });
    const native = report.native as {
      available: boolean;
      level?: string;
      threads?: number;
      features?: string[];
    };
    if (!native.available) {
      t.skip('native addon not available here');
      return;
    }
    assert.equal(native.level, 'scalar');
    assert.equal(native.threads, 1);
    assert.ok(Array.isArray(native.features));
    assert.deepEqual(report.backends, ['native', 'reference']);
  });
});
