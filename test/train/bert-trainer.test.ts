import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import type { BertConfig } from '../../src/models/index.js';
import { BertForSequenceClassification, resolveConfig } from '../../src/models/index.js';
import { tensor } from '../../src/ops/index.js';
import { Trainer, type TrainerTask } from '../../src/train/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-bert-trainer-'));
after(() => rmSync(root, { recursive: true, force: true }));

const config = resolveConfig('bert-tiny', {
  vocabSize: 64,
  hidden: 32,
  layers: 1,
  heads: 2,
  intermediate: 64,
  maxPositions: 16,
  dropout: 0.1,
}) as BertConfig;

/** One fixed batch: label 1 rows hold even token ids, label 0 rows odd ones. */
function fixedBatch(crashAt?: number): TrainerTask<BertForSequenceClassification> {
  const b = 4;
  const t = 8;
  const ids = Int32Array.from({ length: b * t }, (_, i) => 2 * ((i * 5) % 30) + (Math.floor(i / t) % 2));
  return {
    loss(model, step) {
      if (step === crashAt) throw new Error('simulated crash');
      const labels = tensor(Int32Array.from({ length: b }, (_, r) => 1 - (r % 2)));
      return { loss: A.crossEntropy(model.forward(tensor(ids, { shape: [b, t] })), labels), tokens: b * t };
    },
    evaluate(model) {
      const labels = tensor(Int32Array.from({ length: b }, (_, r) => 1 - (r % 2)));
      return { loss: A.crossEntropy(model.forward(tensor(ids, { shape: [b, t] })), labels).value.item() };
    },
  };
}

function trainer(steps: number, opts: { out?: string; resume?: boolean; crashAt?: number } = {}) {
  return new Trainer({
    model: new BertForSequenceClassification(config, { seed: 2 }),
    task: fixedBatch(opts.crashAt),
    seed: 2,
    steps,
    lr: 3e-3,
    warmupSteps: 2,
    evalEvery: 3,
    progress: false,
    ...(opts.out === undefined ? {} : { out: opts.out }),
    ...(opts.resume ? { resume: true } : {}),
  });
}

describe('Trainer on BERT', () => {
  it('drives the loss on a fixed batch down', async () => {
    const t = trainer(20);
    const before = t.evaluate().loss!;
    const r = await t.fit();
    assert.ok(r.final.loss! < before / 3, `loss ${before} -> ${r.final.loss}`);
  });

  it('resumes with dropout on to bit-identical weights', async () => {
    const straight = trainer(9, { out: join(root, 'a') });
    await straight.fit();
    const dir = join(root, 'b');
    await assert.rejects(trainer(9, { out: dir, crashAt: 7 }).fit(), /simulated crash/);
    const resumed = trainer(9, { out: dir, resume: true });
    await resumed.fit();
    const flat = (m: BertForSequenceClassification) =>
      m.parameters().flatMap((p) => Array.from(p.value.toFlatArray()));
    assert.deepEqual(flat(resumed.model), flat(straight.model));
  });
});
