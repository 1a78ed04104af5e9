import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { VectorIndex } from '../../src/search/graph-index.js';
import { loadIndex, saveIndex } from '../../src/search/persist.js';
import { smallData } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'frugal-search-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { data, queries, dim } = smallData(1500, 16);

for (const quantization of ['none', 'int8'] as const) {
  test(`save then load gives the same answers (${quantization})`, async () => {
    const idx = new VectorIndex({ dim, quantization, metric: 'cosine', threads: 2 });
    idx.add(data);
    idx.delete(7);
    const file = join(dir, `idx-${quantization}.frugal`);
    await saveIndex(idx, file);
    const back = loadIndex(file);
    assert.equal(back.size, idx.size);
    assert.equal(back.metric, 'cosine');
    assert.equal(back.has(7), false);
    const a = idx.search(queries, { k: 10, listSize: 48 });
    const b = back.search(queries, { k: 10, listSize: 48 });
    assert.deepEqual(b.rows, a.rows);
    assert.deepEqual(b.distances, a.distances);
    back.add(data.subarray(0, 10 * dim), { labels: Array.from({ length: 10 }, (_, i) => 5000 + i) });
    assert.equal(back.size, idx.size + 10);
  });
}

test('a corrupt, truncated or missing file is a clear E_IO error', async () => {
  const idx = new VectorIndex({ dim, threads: 2 });
  idx.add(data);
  const file = join(dir, 'good.frugal');
  await saveIndex(idx, file);
  const bytes = readFileSync(file);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length >> 1] ^= 0xff;
  writeFileSync(join(dir, 'flipped.frugal'), flipped);
  writeFileSync(join(dir, 'short.frugal'), bytes.subarray(0, bytes.length - 100));
  writeFileSync(join(dir, 'other.frugal'), 'hello world, not an index');
  const cases = [
    ['flipped.frugal', /checksum/],
    ['short.frugal', /end marker|checksum/],
    ['other.frugal', /magic/],
    ['missing.frugal', /cannot read/],
  ] as const;
  for (const [name, why] of cases) {
    assert.throws(
      () => loadIndex(join(dir, name)),
      (e: unknown) => isFrugalError(e, 'E_IO') && why.test(e.message) && e.message.includes(name),
    );
  }
});

test('the HNSW-style levels above are saved and reused on load', async () => {
  const big = smallData(5000, 8);
  const idx = new VectorIndex({ dim: 8, threads: 2 });
  idx.add(big.data);
  assert.ok(idx.upperLevel, 'a 5000-row hnsw index has a level above');
  const file = join(dir, 'levels.frugal');
  await saveIndex(idx, file);
  const back = loadIndex(file);
  assert.equal(back.upperLevel?.size, idx.upperLevel!.size);
  assert.deepEqual(back.upperLevel!.graph().neighbors, idx.upperLevel!.graph().neighbors);
  assert.deepEqual(back.search(big.queries, { k: 10 }).rows, idx.search(big.queries, { k: 10 }).rows);
});
