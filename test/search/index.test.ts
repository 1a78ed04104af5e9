import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recallAtK } from '../../src/search/dataset.js';
import { VectorIndex } from '../../src/search/graph-index.js';
import type { Metric } from '../../src/search/metric.js';
import { METRIC_CODE } from '../../src/search/metric.js';
import { searchNative } from '../../src/search/native.js';
import { bestFirst, buildInsert, robustPrune } from '../../src/search/reference.js';
import { smallData } from './helpers.js';

const { data, queries, dim, truth } = smallData();

test('l2 index reaches high recall@10 and recall grows with the list size', () => {
  const idx = new VectorIndex({ dim, threads: 2 });
  idx.add(data);
  const r16 = recallAtK(idx.search(queries, { k: 10, listSize: 16 }).distances, 10, truth);
  const r96 = recallAtK(idx.search(queries, { k: 10, listSize: 96 }).distances, 10, truth);
  assert.ok(r96 >= 0.97, `recall@10 at L=96 is ${r96}`);
  assert.ok(r96 >= r16, `L=96 ${r96} < L=16 ${r16}`);
});

for (const metric of ['ip', 'cosine'] as Metric[]) {
  test(`${metric} index agrees with exact search`, () => {
    const t = smallData(3000, dim, metric);
    const idx = new VectorIndex({ dim, metric, threads: 2 });
    idx.add(t.data);
    const r = idx.search(t.queries, { k: 10, listSize: 128 });
    const recall = recallAtK(r.distances, 10, t.truth);
    assert.ok(recall >= 0.9, `${metric} recall ${recall}`);
  });
}

test('int8 quantized index keeps recall close to f32', () => {
  const idx = new VectorIndex({ dim, quantization: 'int8', threads: 2 });
  idx.add(data);
  const r = idx.search(queries, { k: 10, listSize: 96 });
  // Distances are approximate under int8, so judge recall by the true rows.
  let hits = 0;
  for (let q = 0; q < 100; q++) {
    const want = new Set(truth.rows.subarray(q * 10, q * 10 + 10));
    for (let i = 0; i < 10; i++) if (want.has(r.rows[q * 10 + i]!)) hits++;
  }
  assert.ok(hits / 1000 >= 0.85, `int8 recall ${hits / 1000}`);
});

test('Speed-ANN walkers reach the recall of best-first at the same list size', () => {
  const idx = new VectorIndex({ dim, threads: 2 });
  idx.add(data);
  const one = recallAtK(idx.search(queries, { k: 10, listSize: 64 }).distances, 10, truth);
  for (const walkers of [2, 3, 4]) {
    const r = idx.search(queries, { k: 10, listSize: 64, walkers, syncSteps: 2 });
    const rec = recallAtK(r.distances, 10, truth);
    assert.ok(rec >= one - 0.02, `walkers=${walkers}: ${rec} vs best-first ${one}`);
    if (searchNative()) assert.ok(r.stats.rounds > 0, 'Speed-ANN ran no synchronisation rounds');
    for (let i = 1; i < r.distances.length; i++)
      if (i % 10 !== 0) assert.ok(r.distances[i]! >= r.distances[i - 1]!);
    // Walkers may both reach a row at once; it must still be returned once.
    for (let q = 0; q < r.rows.length / 10; q++) {
      const rows = r.rows.subarray(q * 10, q * 10 + 10);
      assert.equal(new Set(rows).size, rows.length, `walkers=${walkers}, query ${q}: a repeated row`);
    }
  }
});

test('batch threads and repeated runs give identical best-first results', () => {
  const idx = new VectorIndex({ dim, threads: 2, seed: 5 });
  idx.add(data);
  const a = idx.search(queries, { k: 10, listSize: 40 });
  const b = idx.search(queries, { k: 10, listSize: 40, threads: 2 });
  assert.deepEqual(b.rows, a.rows);
  assert.deepEqual(idx.search(queries, { k: 10, listSize: 40 }).rows, a.rows);
});

test('native best-first matches the TypeScript reference on the same graph', {
  skip: !searchNative(),
}, () => {
  const idx = new VectorIndex({ dim, threads: 2 });
  idx.add(data);
  const r = idx.search(queries, { k: 10, listSize: 32 });
  let same = 0;
  for (let q = 0; q < 100; q++) {
    const ref = bestFirst(idx.graph(), queries, q * dim, [idx.entryPoint], 10, 32).hits;
    const got = new Set(r.rows.subarray(q * 10, q * 10 + 10));
    for (const h of ref) if (got.has(h.id)) same++;
    assert.ok(Math.abs(ref[0]!.dist - r.distances[q * 10]!) < 1e-3 * Math.max(1, ref[0]!.dist));
  }
  assert.ok(same / 1000 >= 0.99, `overlap ${same / 1000}`);
});

test('the reference Vamana build makes a graph as good as the native one', () => {
  const small = smallData(800, 16);
  const idx = new VectorIndex({ dim: 16, degree: 16, threads: 1 });
  idx.add(small.data);
  const g = idx.graph();
  g.degrees.fill(0);
  const order = Uint32Array.from({ length: g.n }, (_, i) => i);
  order[idx.entryPoint] = 0;
  order[0] = idx.entryPoint;
  buildInsert(g, order, idx.entryPoint, 64, 1.2);
  for (let r = 0; r < g.n; r++) assert.ok(g.degrees[r]! >= 1 && g.degrees[r]! <= 16);
  const rec = recallAtK(idx.search(small.queries, { k: 10, listSize: 64 }).distances, 10, small.truth);
  assert.ok(rec >= 0.95, `reference-built graph recall ${rec}`);
});

test('searchAsync and addAsync give the same answers as the sync calls', async () => {
  const a = new VectorIndex({ dim, threads: 1, seed: 9 });
  a.add(data);
  const b = new VectorIndex({ dim, threads: 1, seed: 9 });
  await b.addAsync(data);
  const ra = a.search(queries, { k: 10, listSize: 48 });
  const rb = await b.searchAsync(queries, { k: 10, listSize: 48 });
  assert.deepEqual(rb.rows, ra.rows);
  const rw = await a.searchAsync(queries, { k: 10, listSize: 48, walkers: 2 });
  assert.ok(recallAtK(rw.distances, 10, truth) >= 0.9);
});

test('robust pruning keeps the diverse neighbours first and adds alpha-pruned ones only to free slots', () => {
  // 1-D rows 0..3 at 0, 1, 2.2, -3 (squared L2 from row 0: 1, 4.84, 9), R = 2. Row 1 occludes row 2
  // at level 1 (1.44 <= 4.84) but not at 4 (5.76 > 4.84); nothing occludes row 3 (16 > 9).
  const g = {
    vectors: Float32Array.from([0, 1, 2.2, -3]),
    n: 4,
    dim: 1,
    R: 2,
    metric: METRIC_CODE.l2,
    neighbors: new Uint32Array(8),
    degrees: new Uint32Array(4),
  };
  const cands = () => [1, 2, 3].map((id) => ({ id, dist: (g.vectors[id]! - g.vectors[0]!) ** 2 }));
  assert.deepEqual(robustPrune(g, 0, cands(), 1), [1, 3]);
  assert.deepEqual(robustPrune(g, 0, cands(), 4), [1, 3], 'the long edge to row 3 is not displaced by row 2');
  assert.deepEqual(
    robustPrune({ ...g, R: 3 }, 0, cands(), 4),
    [1, 3, 2],
    'row 2 fills the free slot before the level reaches 4',
  );
  assert.deepEqual(robustPrune({ ...g, R: 3 }, 0, cands(), 1.1), [1, 3]);
});

test('alpha above 1 does not cost recall on clustered data (native and reference builds)', () => {
  const t = smallData(3000, 32);
  const recallAt = (alpha: number, reference: boolean) => {
    const idx = new VectorIndex({ dim: 32, degree: 12, alpha, threads: 1 });
    idx.add(t.data);
    if (reference) {
      const g = idx.graph();
      g.degrees.fill(0);
      const order = Uint32Array.from({ length: g.n }, (_, i) => i);
      order[idx.entryPoint] = 0;
      order[0] = idx.entryPoint;
      buildInsert(g, order, idx.entryPoint, 48, alpha);
    }
    return recallAtK(idx.search(t.queries, { k: 10, listSize: 32 }).distances, 10, t.truth);
  };
  for (const reference of [false, true]) {
    const r1 = recallAt(1, reference);
    const r13 = recallAt(1.3, reference);
    assert.ok(
      r13 >= r1 - 0.01,
      `${reference ? 'reference' : 'native'}: alpha 1.3 recall ${r13} against ${r1} at alpha 1`,
    );
  }
});
