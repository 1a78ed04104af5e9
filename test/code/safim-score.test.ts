import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  loadSafim,
  SAFIM_LANGS,
  type SafimExample,
  type SafimLang,
  sameTokens,
  scoreCompletion,
  syntaxMatch,
  toolchainProblem,
} from '../../src/code/index.js';

// Compiles are slow (javac, g++ with bits/stdc++), so the compiled languages get smaller samples.
const SAMPLE: Record<SafimLang, number> = { python: 5, cpp: 2, java: 2, csharp: 3 };

async function inPairs<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(...(await Promise.all(items.slice(i, i + 2).map(fn))));
  return out;
}

for (const lang of SAFIM_LANGS) {
  const problem = await toolchainProblem(lang);
  test(`ground truth passes its unit tests when executed (${lang}, block and control)`, {
    skip: problem,
  }, async () => {
    const examples: SafimExample[] = [
      ...loadSafim('block', { langs: [lang], limit: SAMPLE[lang], seed: 21 }),
      ...loadSafim('control', { langs: [lang], limit: SAMPLE[lang], seed: 21 }),
    ];
    const scores = await inPairs(examples, (e) => scoreCompletion(e, e.groundTruth, { executeAll: true }));
    const scored = scores.filter((s) => s.verdict !== 'skipped');
    // Mono's C# 7 compiler rejects some reference solutions (C# 8+ syntax): those are skipped, not failed.
    assert.ok(
      scored.length >= Math.ceil(examples.length / 2),
      `${scored.length} of ${examples.length} scored`,
    );
    for (const [i, s] of scores.entries())
      assert.ok(s.passed || s.verdict === 'skipped', `${examples[i].taskId}: ${s.verdict} ${s.detail ?? ''}`);
  });

  test(`the empty completion fails (${lang}, block and control)`, { skip: problem }, async () => {
    const examples: SafimExample[] = [
      ...loadSafim('block', { langs: [lang], limit: lang === 'python' ? 5 : 1, seed: 22 }),
      ...loadSafim('control', { langs: [lang], limit: lang === 'python' ? 5 : 1, seed: 22 }),
    ];
    const scores = await inPairs(examples, (e) => scoreCompletion(e, ''));
    for (const [i, s] of scores.entries()) {
      assert.equal(s.passed, false, `${examples[i].taskId} passed empty`);
      assert.equal(s.empty, true);
    }
  });
}

test('without --execute-all an exact match passes without running anything', async () => {
  const [e] = loadSafim('block', { langs: ['cpp'], limit: 1, seed: 4 });
  assert.deepEqual(await scoreCompletion(e, e.groundTruth), {
    verdict: 'exact_match',
    passed: true,
    empty: false,
  });
});

test('the API split is scored by syntax match: ground truth 100%, empty 0%', async () => {
  const examples = loadSafim('api');
  let truth = 0;
  let empty = 0;
  for (const e of examples) {
    if ((await scoreCompletion(e, e.groundTruth)).passed) truth++;
    if ((await scoreCompletion(e, '')).passed) empty++;
  }
  assert.equal(truth, examples.length);
  assert.equal(empty, 0);
});

test('syntax match ignores whitespace and, for Python calls, keyword order', async () => {
  assert.ok(await syntaxMatch('np.sum(grad , axis=0)', 'np.sum(grad,axis=0)', 'python'));
  assert.ok(await syntaxMatch('f(a, x=1, y=2)', 'f(a, y=2, x=1)', 'python'));
  assert.ok(!(await syntaxMatch('f(a, x=1)', 'f(a, x=2)', 'python')));
  assert.ok(!(await syntaxMatch('f(b, a)', 'f(a, b)', 'python')));
  assert.ok(await syntaxMatch('Arrays.sort( xs )', 'Arrays.sort(xs)', 'java'));
  assert.ok(!(await syntaxMatch('f(a, x=1, y=2)', 'f(a, y=2, x=1)', 'java')));
});

test('outputs are compared by tokens, without case, with a tolerance for decimals', () => {
  assert.ok(sameTokens('1 2\n3\n', '1 2 3'));
  assert.ok(sameTokens('yes\nNo', 'YES\nNO'));
  assert.ok(sameTokens('0.3333333', '0.33333333333'));
  assert.ok(!sameTokens('1 2', '1 2 3'));
  assert.ok(!sameTokens('10', '11'));
  assert.ok(!sameTokens('0.5', '0.6'));
});
