// Runs the whole test suite: lint/format check, typecheck, then every test file under test/ with
// node's test runner; the backend conformance suite runs a second time with FRUGAL_NATIVE=0.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

function run(label, cmd, args, env = {}) {
  console.log(`\n# ${label}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`# ${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : findTests('test');
const conformance = files.filter((f) => f.includes('conformance') || f.startsWith('test/ops/'));
const node = process.execPath;
const testArgs = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2'];

if (only.length === 0) {
  run('lint and format (biome)', node, ['node_modules/@biomejs/biome/bin/biome', 'check', '.']);
  run('typecheck (tsc)', node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
}
run('tests', node, [...testArgs, ...files]);
if (conformance.length > 0) {
  run('ops and conformance with FRUGAL_NATIVE=0 (reference backend)', node, [...testArgs, ...conformance], {
    FRUGAL_NATIVE: '0',
  });
}
