import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groundTruth } from '../../src/search/dataset.js';
import { VectorIndex } from '../../src/search/graph-index.js';
import { smallData } from './helpers.js';

const { data, queries, dim } = smallData(2000, 16);

function build(): VectorIndex {
  const idx = new VectorIndex({ dim, threads: 2 });
  idx.add(data, { labels: Array.from({ length: 2000 }, (_, i) => 1000 + i) });
  return idx;
}

test('a filter predicate keeps only allowed labels and finds the true filtered neighbours', () => {
  const idx = build();
  const r = idx.search(queries, { k: 10, listSize: 200, filter: (l) => Number(l) % 2 === 0 });
  assert.equal(r.stats.exact, false);
  for (const l of r.labels) assert.equal(Number(l) % 2, 0);
  const even = data.filter((_, i) => Math.floor(i / dim) % 2 === 0);
  const truth = groundTruth(even, queries, dim, 10);
  let hits = 0;
  for (let q = 0; q < 100; q++) {
    const want = new Set(Array.from(truth.rows.subarray(q * 10, q * 10 + 10), (row) => 1000 + 2 * row));
    for (let i = 0; i < 10; i++) if (want.has(Number(r.labels[q * 10 + i]))) hits++;
  }
  assert.ok(hits / 1000 >= 0.9, `filtered recall ${hits / 1000}`);
});

test('a very selective filter falls back to exact search', () => {
  const idx = build();
  const allowed = new Set([1005, 1500, 2999]);
  const r = idx.search(queries, { k: 5, filter: (l) => allowed.has(Number(l)) });
  assert.equal(r.stats.exact, true);
  for (let q = 0; q < 100; q++) {
    const got = Array.from(r.labels.subarray(q * 5, q * 5 + 3), Number).sort();
    assert.deepEqual(got, [1005, 1500, 2999]);
    assert.ok(Number.isNaN(r.labels[q * 5 + 3]!));
    assert.equal(r.distances[q * 5 + 4], Number.POSITIVE_INFINITY);
  }
});

test('deleted vectors are never returned, and compact drops them', () => {
  const idx = build();
  const before = idx.search(queries, { k: 10, listSize: 64 });
  const gone = new Set<number>();
  for (let i = 0; i < 300; i++) gone.add(Number(before.labels[i]));
  for (const l of gone) assert.equal(idx.delete(l), true);
  assert.equal(idx.delete(424242), false);
  assert.equal(idx.size, 2000 - gone.size);
  const after = idx.search(queries, { k: 10, listSize: 64 });
  for (const l of after.labels) assert.ok(!gone.has(Number(l)), `deleted label ${l} returned`);
  idx.compact();
  assert.equal(idx.rows, 2000 - gone.size);
  assert.equal(idx.size, idx.rows);
  const compacted = idx.search(queries, { k: 10, listSize: 64 });
  for (const l of compacted.labels) assert.ok(!gone.has(Number(l)));
  let same = 0;
  for (let i = 0; i < after.labels.length; i++) same += after.labels[i] === compacted.labels[i] ? 1 : 0;
  assert.ok(same / after.labels.length >= 0.9, `compacted results differ: ${same}`);
});

test('incremental adds are searchable and bigint labels round-trip', () => {
  const idx = new VectorIndex({ dim, idType: 'bigint', threads: 2 });
  idx.add(data.subarray(0, 1000 * dim), {
    labels: Array.from({ length: 1000 }, (_, i) => 2n ** 40n + BigInt(i)),
  });
  idx.add(data.subarray(1000 * dim), {
    labels: Array.from({ length: 1000 }, (_, i) => 2n ** 40n + 1000n + BigInt(i)),
  });
  const r = idx.search(data.subarray(1500 * dim, 1501 * dim), { k: 1, listSize: 32 });
  assert.ok(r.labels instanceof BigInt64Array);
  assert.equal(r.labels[0], 2n ** 40n + 1500n);
  assert.equal(r.distances[0], 0);
});
