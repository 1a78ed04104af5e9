import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  extractCodeFromChat,
  loadSafim,
  postprocessCompletion,
  SAFIM_LANGS,
  truncateApiCall,
  truncateBlock,
  truncateControl,
} from '../../src/code/index.js';
import { splitLinesKeepEnds } from '../../src/code/safim-postprocess.js';

// What FIM models typically do wrong: finish the block, then write on into the code that follows.
function junkAfter(suffix: string): string {
  return `\n${splitLinesKeepEnds(suffix)
    .filter((l) => l.trim())
    .slice(0, 3)
    .join('')}`;
}

for (const lang of SAFIM_LANGS) {
  test(`block truncation recovers the ground truth from ground truth + the code after the hole (${lang})`, async () => {
    const examples = loadSafim('block', { langs: [lang], limit: 15, seed: 11 });
    for (const e of examples) {
      const suffix = e.evalPrompt.split('{{completion}}')[1];
      const got = await truncateBlock(e, e.groundTruth + junkAfter(suffix));
      assert.equal(got.trimEnd(), e.groundTruth.trimEnd(), e.taskId);
      assert.equal(await truncateBlock(e, e.groundTruth), e.groundTruth, `${e.taskId} untouched`);
    }
  });
}

test('block truncation cuts a statement written after the block closes (brace languages)', async () => {
  const [e] = loadSafim('block', { langs: ['cpp'], limit: 1, seed: 3 });
  const got = await truncateBlock(e, `${e.groundTruth}\n}\nint junk_after_block = 1;\n`);
  assert.equal(got, e.groundTruth);
});

test('control truncation stops at the bracket the hole sits in, or at the line end in Python', () => {
  assert.equal(truncateControl('cpp', 'i < n; i++) {\n  x++;\n}'), 'i < n; i++');
  assert.equal(truncateControl('java', 'f(a) && (b || c)) return;'), 'f(a) && (b || c)');
  assert.equal(truncateControl('python', '\n  x in seen:\n        continue\n'), '  x in seen:');
  assert.equal(truncateControl('csharp', 'a > b'), 'a > b');
});

test('API-call truncation stops at the bracket closing the first call', () => {
  assert.equal(truncateApiCall('np.sum(grad, axis=(0, 1))\nprint(x)'), 'np.sum(grad, axis=(0, 1))');
  assert.equal(truncateApiCall('json::parse(s));\n'), 'json::parse(s)');
  assert.equal(truncateApiCall('no_call_here'), 'no_call_here');
});

test('code is taken out of Markdown: a fenced block first, skipping echoes of the question', () => {
  const answer =
    'Here you go:\n```python\n# TODO: Your code here\n```\nand\n```python\nx = a + b\n```\nDone.';
  assert.equal(extractCodeFromChat(answer, 'python'), 'x = a + b');
  assert.equal(extractCodeFromChat('Use `a >= b` here.', 'java'), 'a >= b');
  assert.equal(extractCodeFromChat('plain code', 'cpp'), 'plain code');
  assert.equal(extractCodeFromChat('```\nshot\n```\n```\nreal\n```', 'cpp', 'shot'), 'real');
});

test('the pipeline post-processes a chat answer for each split', async () => {
  const [block] = loadSafim('block', { langs: ['python'], limit: 1, seed: 5 });
  const suffix = block.evalPrompt.split('{{completion}}')[1];
  const chat = `Sure!\n\`\`\`python\n${block.groundTruth}${junkAfter(suffix)}\`\`\`\n`;
  assert.equal(
    (await postprocessCompletion(block, chat, { fromChat: true })).trimEnd(),
    block.groundTruth.trimEnd(),
  );
  const [api] = loadSafim('api', { langs: ['python'], limit: 1, seed: 5 });
  assert.equal(await postprocessCompletion(api, `${api.groundTruth}\nmore = 1\n`), api.groundTruth);
});
