import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/index-cmd.js';
import { isFrugalError } from '../../src/core/errors.js';
import { writeFvecs } from '../../src/search/fvecs.js';
import { clusteredVectors, holdOutQueries } from '../../src/search/index.js';

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

test('frugal index bench --data holds seeded queries out of an .fvecs file', async () => {
  const data = clusteredVectors({ n: 600, dim: 8, seed: 3 });
  await writeFvecs(join(dir, 'real.fvecs'), data, 8);
  const args = ['index', 'bench', '--data', join(dir, 'real.fvecs'), '--queries', '40'];
  const rows = (await run([...args, '--lists', '16,64', '--walkers', '1,2', '--json'])).map((l) =>
    JSON.parse(l),
  );
  assert.equal(rows.length, 4);
  for (const r of rows) {
    assert.equal(r.n, 560);
    assert.equal(r.dim, 8);
    assert.ok(r['recall@10'] > 0.9, `L=${r.L} walkers=${r.walkers}: recall ${r['recall@10']}`);
    assert.ok(r.p50_ms > 0 && r.p99_ms >= r.p50_ms);
  }
  await assert.rejects(run([...args.slice(0, -1), '600']), (e: unknown) => isFrugalError(e, 'E_ARG'));
});

test('holdOutQueries splits disjoint rows, deterministically per seed', () => {
  const dim = 2;
  const v = Float32Array.from({ length: 20 * dim }, (_, i) => Math.floor(i / dim));
  const a = holdOutQueries(v, dim, 5, 1);
  assert.deepEqual(a, holdOutQueries(v, dim, 5, 1));
  assert.equal(a.queries.length, 5 * dim);
  assert.equal(a.data.length, 15 * dim);
  const rowsOf = (x: Float32Array) => Array.from({ length: x.length / dim }, (_, r) => x[r * dim]!);
  const all = [...rowsOf(a.queries), ...rowsOf(a.data)].sort((x, y) => x - y);
  assert.deepEqual(
    all,
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.deepEqual(
    rowsOf(a.data),
    [...rowsOf(a.data)].sort((x, y) => x - y),
  );
});
