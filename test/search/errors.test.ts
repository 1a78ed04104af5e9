import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { VectorIndex } from '../../src/search/graph-index.js';

const dim = 4;
const v = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));

function throwsField(fn: () => unknown, field: string, code = 'E_ARG'): void {
  assert.throws(fn, (e: unknown) => isFrugalError(e) && e.code === code && e.details.field === field);
}

test('bad options raise FrugalErrors naming the field', () => {
  throwsField(() => new VectorIndex({ dim: 0 }), 'dim');
  throwsField(() => new VectorIndex({ dim, metric: 'hamming' as 'l2' }), 'metric');
  throwsField(() => new VectorIndex({ dim, alpha: 0.5 }), 'alpha');
  throwsField(() => new VectorIndex({ dim, degree: 2.5 }), 'degree');
  throwsField(() => new VectorIndex({ dim, quantization: 'int4' as 'int8' }), 'quantization');
});

test('bad vectors, labels and search options raise FrugalErrors', () => {
  const idx = new VectorIndex({ dim, threads: 1 });
  assert.throws(
    () => idx.search(v.subarray(0, dim)),
    (e: unknown) => isFrugalError(e, 'E_ARG') && /empty/.test(e.message),
  );
  throwsField(() => idx.add(v.subarray(0, 5)), 'vectors', 'E_SHAPE');
  throwsField(() => idx.add(Float32Array.of(1, 2, Number.NaN, 4)), 'vectors');
  throwsField(() => idx.add(v, { labels: [1, 2, 3] }), 'labels', 'E_SHAPE');
  throwsField(() => idx.add(v.subarray(0, 8), { labels: [1, 1] }), 'labels');
  throwsField(() => idx.add(v.subarray(0, 4), { labels: [2 ** 60] }), 'labels');
  idx.add(v);
  throwsField(() => idx.add(v.subarray(0, 4), { labels: [3] }), 'labels');
  throwsField(() => idx.search(v.subarray(0, 3)), 'queries', 'E_SHAPE');
  throwsField(() => idx.search(v.subarray(0, 4), { k: 0 }), 'k');
  throwsField(() => idx.search(v.subarray(0, 4), { k: 5, listSize: 4 }), 'listSize');
  throwsField(() => idx.search(v.subarray(0, 4), { walkers: 0 }), 'walkers');
  throwsField(() => idx.search(v.subarray(0, 4), { filter: new Uint8Array(3) }), 'filter', 'E_SHAPE');
  const r = idx.search(v.subarray(0, 4), { k: 20 });
  assert.equal(r.rows.filter((x) => x !== 0xffffffff).length, 10);
});

test('with FRUGAL_NATIVE=0 the TypeScript reference builds and searches', () => {
  const script = `
    import { VectorIndex, clusteredVectors, groundTruth, recallAtK, searchNativeStatus } from './src/search/index.ts';
    const data = clusteredVectors({ n: 600, dim: 8, seed: 0 });
    const q = clusteredVectors({ n: 30, dim: 8, seed: 1 });
    const idx = new VectorIndex({ dim: 8, degree: 12 });
    idx.add(data);
    const r = idx.search(q, { k: 10, listSize: 48, walkers: 2 });
    console.log(JSON.stringify({ status: searchNativeStatus(), recall: recallAtK(r.distances, 10, groundTruth(data, q, 8, 10)) }));
  `;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, FRUGAL_NATIVE: '0' },
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, out.stderr);
  const res = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { status: string; recall: number };
  assert.match(res.status, /reference TypeScript/);
  assert.ok(res.recall >= 0.95, `reference recall ${res.recall}`);
});
