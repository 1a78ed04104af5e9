import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/index-cmd.js';
import { isFrugalError } from '../../src/core/errors.js';
import { toTokenizerJson } from '../../src/data/tokenizer-json.js';
import { trainBpe } from '../../src/data/train-bpe.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import type { BertConfig, LlamaConfig } from '../../src/models/config.js';
import { LlamaForCausalLM } from '../../src/models/llama.js';
import { readFvecs } from '../../src/search/fvecs.js';
import { CHECKPOINT_FILES, saveCheckpoint } from '../../src/train/checkpoint.js';
import {
  embedTexts,
  embedWithBert,
  embedWithLlama,
  pythonFunctions,
  sourceTexts,
} from '../../src/train/embed.js';

const dir = mkdtempSync(join(tmpdir(), 'frugal-embed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TEXTS = [
  'From: a@b.c\n\nCheap watches, buy now!!!',
  'def f(x):\n    return x + 1',
  'hi',
  'Subject: meeting\n\nSee you at ten tomorrow in the usual room, bring the slides please.',
];
const tokenizer = trainBpe(TEXTS, { vocabSize: 300, specialTokens: ['[PAD]', '[CLS]', '[SEP]', '[UNK]'] });
const bertConfig: BertConfig = {
  arch: 'bert',
  vocabSize: tokenizer.vocabSize,
  hidden: 16,
  layers: 1,
  heads: 2,
  intermediate: 32,
  maxPositions: 64,
  typeVocabSize: 2,
  numLabels: 2,
  dropout: 0.1,
  layerNormEps: 1e-12,
};
const llamaConfig: LlamaConfig = {
  arch: 'llama',
  vocabSize: tokenizer.vocabSize,
  hidden: 16,
  layers: 1,
  heads: 2,
  kvHeads: 1,
  intermediate: 32,
  maxPositions: 64,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieEmbeddings: true,
};

function assertRowsClose(a: Float32Array, b: Float32Array, tol = 1e-4): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) < tol, `element ${i}: ${a[i]} vs ${b[i]}`);
}

function unitRows(v: Float32Array, dim: number): void {
  for (let r = 0; r < v.length / dim; r++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += v[r * dim + i]! ** 2;
    assert.ok(Math.abs(Math.sqrt(s) - 1) < 1e-5, `row ${r} has norm ${Math.sqrt(s)}`);
  }
}

test('BERT and Llama embeddings are unit rows that do not depend on the padding of their batch', () => {
  const bert = new BertForSequenceClassification(bertConfig, { seed: 1 }).eval();
  const llama = new LlamaForCausalLM(llamaConfig, { seed: 2 });
  for (const embed of [
    (texts: string[], batch: number) => embedWithBert(bert, tokenizer, texts, { seqLen: 12, batch }),
    (texts: string[], batch: number) => embedWithLlama(llama, tokenizer, texts, { seqLen: 12, batch }),
  ]) {
    const together = embed(TEXTS, 4);
    assert.equal(together.dim, 16);
    unitRows(together.vectors, 16);
    assertRowsClose(together.vectors, embed(TEXTS, 1).vectors);
    // Different texts get different vectors.
    assert.notDeepEqual(together.vectors.subarray(0, 16), together.vectors.subarray(16, 32));
  }
  bert.dispose();
  llama.dispose();
});

test('pythonFunctions extracts def blocks (nested and async too), once each, up to the limit', () => {
  const src = [
    'import os',
    '',
    'def a(x):',
    '    def inner():',
    '        return 1',
    '',
    '    return inner() + x',
    'class C:',
    '    async def b(self):',
    '        await self.c()',
    'def a(x):',
    '    def inner():',
    '        return 1',
    '',
    '    return inner() + x',
    'x = 1',
  ].join('\n');
  const fns = pythonFunctions([{ path: 'm.py', text: src }]);
  assert.deepEqual(fns, [
    'def a(x):\n    def inner():\n        return 1\n\n    return inner() + x',
    '    def inner():\n        return 1',
    '    async def b(self):\n        await self.c()',
  ]);
  assert.equal(pythonFunctions([{ path: 'm.py', text: src }], 2).length, 2);
});

test('sourceTexts reads e-mails without their routing headers', () => {
  const texts = sourceTexts('spam', 3);
  assert.equal(texts.length, 3);
  for (const t of texts) {
    assert.match(t, /^(Subject|From): /);
    assert.doesNotMatch(t, /^Received:/m);
  }
});

test('embedTexts loads a checkpoint of either kind; frugal index embed writes .fvecs', async () => {
  const ckpt = join(dir, 'llama');
  const llama = new LlamaForCausalLM(llamaConfig, { seed: 3 });
  await saveCheckpoint(ckpt, {
    model: llama.stateDict(),
    optimizer: { step: 0, lr: 0, tensors: {} },
    state: { version: 1, step: 0, seed: 0, totalSteps: 0, elapsedS: 0, tokensSeen: 0, run: { seqLen: 16 } },
    extras: {
      [CHECKPOINT_FILES.config]: JSON.stringify(llamaConfig),
      [CHECKPOINT_FILES.tokenizer]: JSON.stringify(toTokenizerJson(tokenizer)),
    },
  });
  const direct = embedWithLlama(llama, tokenizer, TEXTS, { seqLen: 16 });
  llama.dispose();
  assertRowsClose((await embedTexts(ckpt, TEXTS)).vectors, direct.vectors);

  const program = new Command('frugal').exitOverride();
  register(program);
  const out = join(dir, 'fns.fvecs');
  const log = console.log;
  console.log = () => {};
  try {
    await program.parseAsync(
      ['index', 'embed', '--source', 'python', '--checkpoint', ckpt, '--out', out, '--limit', '5', '--json'],
      { from: 'user' },
    );
  } finally {
    console.log = log;
  }
  const file = readFvecs(out);
  assert.equal(file.dim, 16);
  assert.equal(file.vectors.length, 5 * 16);
  unitRows(file.vectors, 16);
  await assert.rejects(
    program.parseAsync(['index', 'embed', '--source', 'rss', '--checkpoint', ckpt, '--out', out], {
      from: 'user',
    }),
    (e: unknown) => isFrugalError(e, 'E_ARG'),
  );
});
