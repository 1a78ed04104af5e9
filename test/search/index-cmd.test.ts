import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/index-cmd.js';
import { isFrugalError } from '../../src/core/errors.js';
import { writeFvecs } from '../../src/search/fvecs.js';
import { clusteredVectors } from '../../src/search/index.js';

const dir = mkdtempSync(join(tmpdir(), 'frugal-index-cmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<string[]> {
  const program = new Command('frugal').exitOverride();
  register(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    await program.parseAsync(['node', 'frugal', ...args]);
  } finally {
    console.log = log;
  }
  return lines;
}

test('frugal index build then search finds each query vector itself first', async () => {
  const data = clusteredVectors({ n: 1200, dim: 8, seed: 0 });
  await writeFvecs(join(dir, 'data.fvecs'), data, 8);
  await writeFvecs(join(dir, 'q.fvecs'), data.subarray(8 * 100, 8 * 103), 8);
  const file = join(dir, 'idx.frugal');
  const built = await run(['index', 'build', '--input', join(dir, 'data.fvecs'), '--out', file, '--json']);
  assert.equal(JSON.parse(built[0]!).vectors, 1200);
  const found = await run([
    'index',
    'search',
    '--index',
    file,
    '--queries',
    join(dir, 'q.fvecs'),
    '--k',
    '3',
    '--json',
  ]);
  assert.deepEqual(
    found.map((l) => JSON.parse(l).labels[0]),
    ['100', '101', '102'],
  );
});

test('frugal index reports bad flags as FrugalErrors', async () => {
  await assert.rejects(
    run(['index', 'build', '--out', join(dir, 'x.frugal'), '--synthetic', '10y3']),
    (e: unknown) => isFrugalError(e, 'E_ARG'),
  );
  await assert.rejects(run(['index', 'search', '--index', join(dir, 'missing.frugal')]), (e: unknown) =>
    isFrugalError(e, 'E_IO'),
  );
});
