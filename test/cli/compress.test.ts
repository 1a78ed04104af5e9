import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { register as registerCompress } from '../../src/cli/commands/compress.js';
import { register as registerEval } from '../../src/cli/commands/eval.js';
import { register as registerGenerate } from '../../src/cli/commands/generate.js';
import { saveCompressedCheckpoint } from '../../src/compress/checkpoint.js';
import { reduceLayers } from '../../src/compress/layer-reduction.js';
import { quantizeModel } from '../../src/compress/quantize-model.js';
import { finalizeQat, prepareQat } from '../../src/compress/xtc-qat.js';
import { saveTokenizerJson } from '../../src/data/tokenizer-json.js';
import { trainBpe } from '../../src/data/train-bpe.js';
import { type BertForSequenceClassification, createModel, resolveConfig } from '../../src/models/index.js';
import { CLASSIFY_SPECIAL_TOKENS } from '../../src/train/tasks/classify.js';
import { packFixedNxm } from '../compress/nxm-fixture.js';
import { runCliInProcess } from '../support/cli-in-process.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-cli-compress-'));
after(() => rmSync(root, { recursive: true, force: true }));

function frugal(...args: string[]) {
  return runCliInProcess([registerCompress, registerEval, registerGenerate], args);
}

const xtcDir = join(root, 'spam-xtc');
const lmDir = join(root, 'lm', 'w8a8');
// Outside `root`: compress report over `root` tabulates the XTC run alone.
const nxmRoot = mkdtempSync(join(tmpdir(), 'frugal-cli-nxm-'));
after(() => rmSync(nxmRoot, { recursive: true, force: true }));
const nxmDir = join(nxmRoot, 'spam-nxm');

/** A 2-layer ternary student of a 4-layer BERT, saved the way `frugal compress --method xtc` saves it. */
before(async () => {
  const source = join(root, 'source');
  const tokenizer = trainBpe(['From: a@b.c Subject: free money now', 'Received: from localhost by x'], {
    vocabSize: 270,
    specialTokens: CLASSIFY_SPECIAL_TOKENS,
  });
  await saveTokenizerJson(tokenizer, join(source, 'tokenizer.json'));
  const config = resolveConfig('bert-tiny', { vocabSize: tokenizer.vocabSize, maxPositions: 32, layers: 4 });
  const teacher = createModel(config, { seed: 2 }) as BertForSequenceClassification;
  const student = reduceLayers(teacher, [1, 3]);
  prepareQat(student, { bits: 2, embeddings: [{ path: 'wordEmbeddings', bits: 2 }] });
  const layouts = finalizeQat(student);
  const strip = <T extends { bytesBefore: number; bytesAfter: number }>({
    bytesBefore: _b,
    bytesAfter: _a,
    ...l
  }: T) => l;
  const run = { task: 'classify', model: 'bert-tiny', seqLen: 16, vocabSize: 270, splitSeed: 0, limit: 40 };
  const report = {
    method: 'xtc',
    task: 'classify',
    checkpoint: source,
    size: { fp32Bytes: 2_000_000, compressedBytes: 100_000 },
    fp32: { accuracy: 0.9 },
    compressed: { accuracy: 0.88 },
    logits: { cosine: 0.99, agreement: 0.97 },
    latency: { ratio: 0.8 },
  };
  await saveCompressedCheckpoint(
    xtcDir,
    student,
    { method: 'xtc', layers: layouts.layers.map(strip), embeddings: layouts.embeddings.map(strip) },
    {
      config: student.config,
      sourceDir: source,
      record: { source: { checkpoint: source, step: 7, run }, report },
    },
  );
  teacher.dispose();
  student.dispose();
  const nxm = createModel(config, { seed: 6 });
  const sparse = packFixedNxm(nxm);
  await saveCompressedCheckpoint(
    nxmDir,
    nxm,
    { method: 'nxm', layers: [], sparse },
    {
      config,
      sourceDir: source,
      record: { source: { checkpoint: source, step: 5, run }, report: { method: 'nxm' } },
    },
  );
  nxm.dispose();
  const lmConfig = resolveConfig('llama-tiny', { vocabSize: tokenizer.vocabSize, maxPositions: 32 });
  const lm = createModel(lmConfig, { seed: 4 });
  const q = quantizeModel(lm, { scheme: 'w8a8' });
  await saveCompressedCheckpoint(
    lmDir,
    lm,
    { method: 'zeroquant', layers: q.layers.map(strip) },
    {
      config: lmConfig,
      sourceDir: source,
      record: { source: { checkpoint: source, step: 3, run: { ...run, task: 'lm', model: 'llama-tiny' } } },
    },
  );
  lm.dispose();
});

describe('frugal eval / compress report on a compressed checkpoint', () => {
  it('frugal eval loads the XTC directory and scores the source run split', async () => {
    const r = await frugal('eval', '--checkpoint', xtcDir);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(doc.method, 'xtc');
    assert.equal(doc.step, 7);
    assert.equal(doc.split, 'test');
    assert.equal(typeof doc.accuracy, 'number');
    assert.equal(doc.n, 10);
  });

  it('frugal eval loads an NxM (N:M-sparse packed) directory and scores the source run split', async () => {
    const r = await frugal('eval', '--checkpoint', nxmDir, '--split', 'validation');
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(doc.method, 'nxm');
    assert.equal(doc.step, 5);
    assert.equal(doc.split, 'validation');
    assert.equal(typeof doc.accuracy, 'number');
    assert.equal(typeof doc.loss, 'number');
  });

  it('frugal generate continues a prompt with a compressed (W8A8) language model, greedy and deterministic', async () => {
    const args = [
      'generate',
      '--checkpoint',
      lmDir,
      '--prompt',
      'From: a',
      '--max-new-tokens',
      '4',
      '--temperature',
      '0',
    ];
    const a = await frugal(...args);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(a.stdout.startsWith('From: a'));
    assert.equal((await frugal(...args)).stdout, a.stdout);
  });

  it('compress report tabulates the run and plots it with its f32 source', async () => {
    const svg = join(root, 'size.svg');
    const r = await frugal('compress', 'report', root, '--plot', svg, '--json');
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; ratio: number; value: number }[];
    assert.deepEqual(
      rows.map((x) => [x.name, x.ratio, x.value]),
      [['spam-xtc', 20, 0.88]],
    );
    const text = readFileSync(svg, 'utf8');
    assert.ok(text.includes('spam-xtc') && text.includes('fp32 source'));
    const table = await frugal('compress', 'report', xtcDir);
    assert.match(
      table.stdout,
      /\| spam-xtc \| xtc \| accuracy % \| 90\.00 \| 88\.00 \| -2\.00 \| 0\.100 \| 20\.00x/,
    );
  });

  it('a folder without compressed runs, and compress without --checkpoint, are errors naming the problem', async () => {
    const empty = await frugal('compress', 'report', join(root, 'source'));
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /E_IO.*holds no compressed checkpoint/);
    const missing = await frugal('compress', '--method', 'xtc', '--out', join(root, 'x'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /E_ARG.*--checkpoint <dir> is required/);
  });
});
