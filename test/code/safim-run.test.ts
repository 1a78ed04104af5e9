import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type CompletionModel,
  emptyModel,
  formatSafimTable,
  groundTruthModel,
  loadSafim,
  readSafimResults,
  runSafim,
  summarizeSafim,
} from '../../src/code/index.js';

test('results are appended as JSON lines and a second run resumes instead of redoing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-safim-run-'));
  try {
    const out = join(dir, 'r.jsonl');
    const examples = loadSafim('api', { limit: 3, seed: 1 });
    let calls = 0;
    const counting: CompletionModel = {
      name: 'counting',
      kind: 'completion',
      complete: async (_p, e) => {
        calls++;
        return `${e.groundTruth}\nprint("more code")\n`;
      },
    };
    const first = await runSafim(examples.slice(0, 6), counting, { mode: 'l2r', out, concurrency: 2 });
    assert.equal(calls, 6);
    assert.ok(
      first.every((r) => r.passed),
      'API-call truncation removed the extra line',
    );
    const second = await runSafim(examples, counting, { mode: 'l2r', out });
    assert.equal(calls, examples.length, 'only the new examples were asked');
    assert.equal(second.length, examples.length);
    assert.equal(readSafimResults(out).length, examples.length);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, examples.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('score rows: one per model, split and language, as pass rates in percent', async () => {
  const examples = loadSafim('api', { langs: ['python', 'java'], limit: 4, seed: 2 });
  const rows = summarizeSafim([
    ...(await runSafim(examples, groundTruthModel, { mode: 'l2r' })),
    ...(await runSafim(examples, emptyModel, { mode: 'l2r' })),
  ]);
  assert.deepEqual(
    rows.map((r) => [r.impl, r.case, r.value, r.scored]),
    [
      ['empty', 'api python', 0, 4],
      ['empty', 'api java', 0, 4],
      ['ground-truth', 'api python', 100, 4],
      ['ground-truth', 'api java', 100, 4],
    ],
  );
  assert.ok(rows.every((r) => r.bench === 'safim' && r.metric === 'pass_rate'));
  assert.match(formatSafimTable(rows), /\| ground-truth \| api \| java \| 100\.0% \| 4 \/ 4 \| 0 \|/);
});

test('skipped examples are left out of the rate and counted apart', () => {
  const base = {
    split: 'block',
    lang: 'csharp',
    model: 'm',
    prompt_mode: 'l2r',
    raw: '',
    completion: '',
    empty: false,
  } as const;
  const rows = summarizeSafim([
    { ...base, task_id: 'a', verdict: 'passed', passed: true },
    { ...base, task_id: 'b', verdict: 'skipped', passed: false },
  ]);
  assert.deepEqual([rows[0].value, rows[0].scored, rows[0].skipped], [100, 1, 1]);
  const none = summarizeSafim([{ ...base, task_id: 'b', verdict: 'skipped', passed: false }]);
  assert.equal(none[0].value, null);
});
