import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fillHole, loadSafim, parseSafimLangs, parseSafimSplit } from '../../src/code/index.js';
import { isFrugalError } from '../../src/core/errors.js';

test('the bundled splits hold the published example counts per language', () => {
  const counts = (split: 'block' | 'control' | 'api') => {
    const m: Record<string, number> = {};
    for (const e of loadSafim(split)) m[e.lang] = (m[e.lang] ?? 0) + 1;
    return m;
  };
  assert.deepEqual(counts('block'), { python: 805, java: 2479, cpp: 4968, csharp: 529 });
  assert.deepEqual(counts('control'), { python: 750, java: 2464, cpp: 4881, csharp: 534 });
  assert.deepEqual(counts('api'), { python: 181, java: 56, cpp: 52, csharp: 21 });
});

test('limit and seed take the same sample every time, per language', () => {
  const a = loadSafim('control', { langs: ['java', 'python'], limit: 4, seed: 7 }).map((e) => e.taskId);
  const b = loadSafim('control', { langs: ['java', 'python'], limit: 4, seed: 7 }).map((e) => e.taskId);
  const c = loadSafim('control', { langs: ['java', 'python'], limit: 4, seed: 8 }).map((e) => e.taskId);
  assert.equal(a.length, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('filling the hole with the ground truth gives a program without the marker', () => {
  for (const e of loadSafim('block', { limit: 3, seed: 1 })) {
    const program = fillHole(e, e.groundTruth);
    assert.ok(!program.includes('{{completion}}'));
    assert.ok(program.includes(e.groundTruth));
    assert.ok(e.unitTests.length > 0, `${e.taskId} has unit tests`);
  }
});

test('a malformed data file is reported with its file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-safim-data-'));
  try {
    const good = {
      task_id: 't0',
      lang: 'python',
      prompt: 'p',
      eval_prompt: 'x = {{completion}}',
      ground_truth: '1',
    };
    const bad = { ...good, task_id: 't1', eval_prompt: 'no hole here' };
    writeFileSync(
      join(dir, 'safim_api.jsonl.gz'),
      gzipSync(`${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`),
    );
    assert.throws(
      () => loadSafim('api', { dataDir: dir }),
      (e: unknown) => isFrugalError(e, 'E_IO') && /line 2/.test(e.message) && /eval_prompt/.test(e.message),
    );
    assert.throws(
      () => loadSafim('block', { dataDir: dir }),
      (e: unknown) => isFrugalError(e, 'E_IO'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown split or language names are rejected with the accepted ones', () => {
  assert.throws(
    () => parseSafimSplit('blocks'),
    (e: unknown) => isFrugalError(e, 'E_ARG') && /block, control, api/.test(e.message),
  );
  assert.throws(
    () => parseSafimLangs('python,rust'),
    (e: unknown) => isFrugalError(e, 'E_ARG') && /rust/.test(e.message),
  );
  assert.deepEqual(parseSafimLangs('all'), ['python', 'java', 'cpp', 'csharp']);
  assert.deepEqual(parseSafimLangs('cpp, java'), ['cpp', 'java']);
});
