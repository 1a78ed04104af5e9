import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  executeProgram,
  processesOfUid,
  sandboxCapabilities,
  toolchainProblem,
} from '../../src/code/index.js';

const pythonMissing = await toolchainProblem('python');
const caps = sandboxCapabilities();
// Small limits keep these fast; every program below would otherwise run, print or allocate forever.
const limits = {
  runLimits: { cpuSeconds: 1, wallMs: 3000, maxOutputBytes: 64 * 1024, memoryBytes: 256 * 1024 ** 2 },
};
const tests = [{ input: '21\n', output: ['42'] }];

async function runContained(code: string) {
  const report = await executeProgram('python', code, tests, limits);
  assert.ok(!existsSync(report.workDir), 'the temporary directory is removed');
  if (report.uid !== undefined) assert.deepEqual(processesOfUid(report.uid), [], 'no process is left behind');
  return report;
}

test('a correct program passes and leaves nothing behind', { skip: pythonMissing }, async () => {
  const r = await runContained('print(int(input()) * 2)\n');
  assert.equal(r.outcome, 'passed');
  assert.equal(r.testsPassed, 1);
});

test('an infinite loop is stopped by the CPU limit', { skip: pythonMissing }, async () => {
  assert.equal((await runContained('while True:\n    pass\n')).outcome, 'time_limit');
});

test('a sleeping program is stopped by the wall-clock limit', { skip: pythonMissing }, async () => {
  assert.equal((await runContained('import time\ntime.sleep(600)\n')).outcome, 'time_limit');
});

test('a fork bomb is contained and every process is gone afterwards', { skip: pythonMissing }, async () => {
  const bomb =
    'import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)\n';
  const r = await runContained(bomb);
  assert.ok(r.outcome === 'time_limit' || r.outcome === 'runtime_error', r.outcome);
});

test('a child that leaves the process group and session is killed too', { skip: pythonMissing }, async () => {
  const escapee = 'import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\nprint(42)\n';
  assert.equal((await runContained(escapee)).outcome, 'passed');
});

test('a memory bomb fails at the memory limit', { skip: pythonMissing }, async () => {
  const r = await runContained('chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n');
  assert.ok(r.outcome === 'memory_limit' || r.outcome === 'time_limit', r.outcome);
});

test('endless printing is cut at the output cap', { skip: pythonMissing }, async () => {
  assert.equal((await runContained('while True:\n    print("x" * 1000)\n')).outcome, 'output_limit');
});

test('writes outside the sandbox directory do not land', { skip: pythonMissing }, async () => {
  const target = mkdtempSync(join(tmpdir(), 'frugal-sbx-target-'));
  const victims = [
    join(target, 'escaped.txt'),
    join(process.cwd(), 'escaped-from-sandbox.txt'),
    '/var/tmp/frugal-escaped.txt',
  ];
  try {
    const code = `import os\nhits = 0\nfor p in ${JSON.stringify(victims)}:\n    try:\n        open(p, "w").write("x")\n        hits += 1\n    except OSError:\n        pass\nprint(42 if hits == 0 else 0)\n`;
    const r = await runContained(code);
    for (const v of victims) assert.ok(!existsSync(v), `${v} was not written`);
    if (caps.namespaces) assert.equal(r.outcome, 'passed', 'every write failed inside the sandbox');
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
});

test('network connections fail when network namespaces are available', { skip: pythonMissing }, async () => {
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    s.end('42\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const code = `import socket\ns = socket.create_connection(("127.0.0.1", ${port}), timeout=2)\nprint(s.recv(16).decode().strip())\n`;
    const r = await runContained(code);
    if (caps.namespaces) {
      assert.equal(r.outcome, 'runtime_error');
      assert.equal(connections, 0);
    } else assert.equal(r.outcome, 'passed', 'without namespaces the network is reachable, as reported');
  } finally {
    server.close();
  }
});

test('interrupting the process removes the sandboxes still in use', { skip: pythonMissing }, async () => {
  const script = [
    "import { createSandboxDir, exitCleanlyOnSignals, runSandboxed, DEFAULT_RUN_LIMITS } from './src/code/sandbox.ts';",
    'exitCleanlyOnSignals();',
    "const dir = createSandboxDir({ 'main.py': 'import time\\ntime.sleep(600)\\n' });",
    'console.log(JSON.stringify({ path: dir.path, uid: dir.uid }));',
    "await runSandboxed(dir, ['python3', 'main.py'], DEFAULT_RUN_LIMITS);",
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(String(d))),
  );
  const { path, uid } = JSON.parse(line) as { path: string; uid?: number };
  assert.ok(existsSync(path));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 143);
  assert.ok(!existsSync(path), 'the sandbox directory is gone');
  if (uid !== undefined) assert.deepEqual(processesOfUid(uid), []);
});
