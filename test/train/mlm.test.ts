import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { noGrad } from '../../src/autograd/index.js';
import { Rng } from '../../src/core/rng.js';
import { loadSpamAssassinSplit } from '../../src/data/spam-assassin.js';
import {
  type BertConfig,
  BertForMaskedLM,
  BertForSequenceClassification,
  isBertEncoderKey,
  resolveConfig,
} from '../../src/models/index.js';
import { tensor } from '../../src/tensor/creation.js';
import { loadModelWeights, readTrainerState } from '../../src/train/checkpoint.js';
import { loadWeightsFrom, runTraining } from '../../src/train/run.js';
import { prepareClassifyData } from '../../src/train/tasks/classify.js';
import { messageView } from '../../src/train/tasks/message-view.js';
import { MASK_TOKEN, type MaskingOptions, maskBatch, maskedLoss } from '../../src/train/tasks/mlm.js';
import { Trainer, type TrainerTask } from '../../src/train/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-mlm-'));
after(() => rmSync(root, { recursive: true, force: true }));

const CLS = 1;
const PAD = 0;
const MASK = 3;
const opts = (seqLen: number, randomIds: number[]): MaskingOptions => ({
  padId: PAD,
  maskId: MASK,
  seqLen,
  randomIds: Int32Array.from(randomIds),
});

const config = resolveConfig('bert-tiny', {
  vocabSize: 24,
  hidden: 32,
  layers: 1,
  heads: 2,
  intermediate: 64,
  maxPositions: 16,
  dropout: 0,
}) as BertConfig;

describe('maskBatch', () => {
  it('picks 15% of the real tokens after [CLS], then 80% [MASK], 10% random, 10% kept', () => {
    // 40 documents of [CLS] + 250 copies of token 7, padded to 256: 10,000 maskable tokens.
    const docs = Array.from({ length: 40 }, () => [CLS, ...Array<number>(250).fill(7)]);
    const b = maskBatch(docs, new Rng(5), opts(256, [4, 5, 6, 8, 9, 10, 11, 12, 13, 14]));
    const n = b.positions.length;
    // Binomial(10000, 0.15): sd 0.0036, so 4 sd is 0.0143.
    assert.ok(Math.abs(n / 10_000 - 0.15) < 0.0143, `picked ${n}`);
    for (const p of b.positions) {
      assert.notEqual(p % 256, 0, '[CLS] is never picked');
      assert.ok(p % 256 <= 250, 'padding is never picked');
    }
    assert.deepEqual([...new Set(b.targets)], [7]);
    let masked = 0;
    let random = 0;
    for (const p of b.positions) {
      const id = b.ids[p] as number;
      if (id === MASK) masked++;
      else if (id !== 7) random++;
    }
    const kept = n - masked - random;
    // Of ~1,500 picked: 0.8 has sd 0.0103, 0.1 has sd 0.0077; 4 sd either way.
    assert.ok(Math.abs(masked / n - 0.8) < 0.042, `masked ${masked}/${n}`);
    assert.ok(Math.abs(random / n - 0.1) < 0.031, `random ${random}/${n}`);
    assert.ok(Math.abs(kept / n - 0.1) < 0.031, `kept ${kept}/${n}`);
    // Every token that was not picked is untouched, and pads and attention follow the documents.
    const picked = new Set(b.positions);
    for (let i = 0; i < b.ids.length; i++) {
      const t = i % 256;
      const original = t === 0 ? CLS : t <= 250 ? 7 : PAD;
      if (!picked.has(i)) assert.equal(b.ids[i], original);
      assert.equal(b.attentionMask[i], t <= 250 ? 1 : 0);
    }
  });

  it('is a pure function of the seed, and always picks at least one token', () => {
    const docs = [
      [CLS, 9, 10, 11],
      [CLS, 12],
    ];
    const a = maskBatch(docs, new Rng(3), opts(6, [8, 9, 10, 11, 12]));
    const b = maskBatch(docs, new Rng(3), opts(6, [8, 9, 10, 11, 12]));
    assert.deepEqual(a, b);
    // One maskable token: when the 15% draw misses it, it is picked anyway.
    for (let seed = 0; seed < 20; seed++) {
      const one = maskBatch([[CLS, 9]], new Rng(seed), opts(4, [8, 9]));
      assert.deepEqual([...one.positions], [1]);
      assert.deepEqual([...one.targets], [9]);
    }
  });
});

describe('maskedLoss', () => {
  it('is the mean cross-entropy over the masked positions only', () => {
    const model = new BertForMaskedLM(config, { seed: 1 }).eval();
    const docs = [
      [CLS, 5, 6, 7, 8, 9, 10, 11],
      [CLS, 12, 13, 14],
    ];
    const randomIds = Array.from({ length: 20 }, (_, i) => i + 4);
    const batch = maskBatch(docs, new Rng(11), opts(8, randomIds));
    noGrad(() => {
      const { loss, count } = maskedLoss(model, batch);
      assert.equal(count, batch.positions.length);
      // Logits at every position, then the cross-entropy of the masked rows by hand.
      const all = Int32Array.from({ length: 16 }, (_, i) => i);
      const logits = model.maskedLogits(
        tensor(batch.ids, { shape: batch.shape }),
        tensor(batch.attentionMask, { shape: batch.shape }),
        tensor(all),
      );
      const v = logits.shape[1] as number;
      const flat = logits.value.toFlatArray();
      let sum = 0;
      batch.positions.forEach((p, k) => {
        const row = Array.from(flat.slice(p * v, (p + 1) * v));
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
        sum += lse - (row[batch.targets[k] as number] as number);
      });
      assert.ok(Math.abs(loss.value.item() - sum / count) < 1e-4);
    });
  });

  it('falls over a few steps of training on a tiny model', async () => {
    // Each document counts up from a random start, so a masked token is its left neighbour plus one.
    const rng = new Rng(7);
    const docs = Array.from({ length: 32 }, () => {
      const start = 4 + rng.int(8);
      return [CLS, ...Array.from({ length: 11 }, (_, i) => start + i)];
    });
    const randomIds = Array.from({ length: 20 }, (_, i) => i + 4);
    const task: TrainerTask<BertForMaskedLM> = {
      loss(model, step) {
        const batch = maskBatch(docs, new Rng(step), opts(12, randomIds));
        return { loss: maskedLoss(model, batch).loss, tokens: batch.ids.length };
      },
      evaluate(model) {
        const batch = maskBatch(docs, new Rng(1000), opts(12, randomIds));
        return { loss: maskedLoss(model, batch).loss.value.item() };
      },
    };
    const model = new BertForMaskedLM(config, { seed: 3 });
    const before = noGrad(() => task.evaluate(model.eval()).loss as number);
    model.train();
    const fit = await new Trainer({
      model,
      task,
      seed: 3,
      steps: 30,
      lr: 1e-2,
      warmupSteps: 3,
      progress: false,
    }).fit();
    const afterLoss = fit.final.loss as number;
    assert.ok(afterLoss < 0.7 * before, `validation MLM loss ${before} -> ${afterLoss}`);
  });
});

describe('MLM windows over whole messages', () => {
  it('cuts each training message into consecutive windows and leaves the rest as classify has it', () => {
    const base = { seqLen: 16, vocabSize: 300, limit: 24, view: 'headers-body' as const };
    const first = prepareClassifyData(base);
    const cut = prepareClassifyData({ ...base, trainWindows: 3 });
    assert.deepEqual(
      [...cut.tokenizer.vocab],
      [...first.tokenizer.vocab],
      'the tokenizer is the first windows',
    );
    assert.deepEqual(cut.validation, first.validation);
    assert.deepEqual(cut.test, first.test);
    const cls = first.train.docs[0]?.[0] as number;
    const expected: number[][] = [];
    const labels: number[] = [];
    for (const [m, e] of loadSpamAssassinSplit({ seed: 0 }).train.slice(0, 24).entries()) {
      const ids = first.tokenizer.encode(messageView(e.text, 'headers-body'));
      for (let w = 0; w < 3 && (w === 0 || w * 15 < ids.length); w++) {
        expected.push([cls, ...ids.slice(w * 15, (w + 1) * 15)]);
        labels.push(first.train.labels[m] as number);
      }
    }
    assert.deepEqual(cut.train.docs, expected);
    assert.deepEqual([...cut.train.labels], labels);
    assert.ok(cut.train.docs.length > 2 * first.train.docs.length, 'most messages give more than one window');
  });
});

describe('frugal train --task mlm, then classify --init', () => {
  it('pretrains on the messages, and a classifier starts from its encoder with a fresh head', async () => {
    const tiny = resolveConfig('bert-tiny', { ...config, maxPositions: 32 });
    const configFile = join(root, 'bert-micro.json');
    writeFileSync(configFile, JSON.stringify(tiny));
    const mlmOut = join(root, 'mlm');
    const common = {
      model: configFile,
      batch: 4,
      seqLen: 16,
      lr: 1e-3,
      warmup: 1,
      seed: 0,
      vocabSize: 300,
      limit: 24,
      input: 'subject-body' as const,
      progress: false,
    };
    const mlm = await runTraining({ ...common, task: 'mlm', out: mlmOut, steps: 2 });
    const test = mlm.test as { loss: number; accuracy: number; masked: number };
    assert.ok(Number.isFinite(test.loss) && test.masked > 0);

    const weights = await loadModelWeights(mlmOut, await readTrainerState(mlmOut));
    assert.ok('mlmBias' in weights, 'the checkpoint holds the MLM head');
    const mask = JSON.parse(readFileSync(join(mlmOut, 'tokenizer.json'), 'utf8')) as {
      added_tokens: { content: string; id: number }[];
    };
    assert.ok(mask.added_tokens.some((t) => t.content === MASK_TOKEN));

    const vocab = weights['wordEmbeddings.weight']?.shape[0] as number;
    const fresh = new BertForSequenceClassification(
      resolveConfig(configFile, { vocabSize: vocab, numLabels: 2 }) as BertConfig,
      {
        seed: 9,
      },
    );
    const headBefore = fresh.classifier.weight.value.toFlatArray();
    await loadWeightsFrom(fresh, mlmOut);
    for (const [key, p] of fresh.namedParameters()) {
      if (isBertEncoderKey(key)) assert.deepEqual(p.value.toFlatArray(), weights[key]?.toFlatArray(), key);
    }
    assert.deepEqual(fresh.classifier.weight.value.toFlatArray(), headBefore, 'the classifier stays fresh');
    for (const t of Object.values(weights)) t.dispose();

    const cls = await runTraining({
      ...common,
      task: 'classify',
      out: join(root, 'cls'),
      steps: 1,
      init: mlmOut,
    });
    assert.equal(cls.init, mlmOut);
    assert.ok(Number.isFinite((cls.test as { accuracy: number }).accuracy));
  });
});
