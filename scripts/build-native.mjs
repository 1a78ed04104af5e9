// npm's install step: compiles the native addon with node-gyp against the local Node headers.
// A missing compiler or a failed build never fails the install: Frugal then runs on the
// reference backend and says why once (see `frugal doctor`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const statusFile = 'build/native-build-status.json';

function record(ok, reason) {
  mkdirSync('build', { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify({ ok, reason, time: new Date().toISOString() })}\n`);
}

if (process.env.FRUGAL_NATIVE_BUILD === '0') {
  record(false, 'skipped: FRUGAL_NATIVE_BUILD=0 at install time');
  process.exit(0);
}
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp && existsSync(gyp) ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const jobs = ['-j', 'max'];
const r = spawnSync(cmd, [...args, ...jobs], { stdio: 'inherit', shell: process.platform === 'win32' });
if (r.status === 0) {
  record(true, 'built');
} else {
  const reason = r.error ? String(r.error.message) : `node-gyp exited with ${r.status ?? r.signal}`;
  record(false, `native build failed: ${reason}`);
  console.warn(`\nfrugal: WARNING: the native addon did not build (${reason}).`);
  console.warn('frugal: Frugal still works, on the slower pure-TypeScript reference backend.');
  console.warn('frugal: Install a C++17 compiler and python3, then run `npm rebuild frugal`.\n');
}
