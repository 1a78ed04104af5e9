import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { noGrad } from '../../src/autograd/index.js';
import { DEFAULT_DISTILL_WEIGHTS, distillClassifyTask, distillLoss } from '../../src/compress/distill.js';
import { reduceLayers } from '../../src/compress/layer-reduction.js';
import { prepareQat } from '../../src/compress/xtc-qat.js';
import { isFrugalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { trainBpe } from '../../src/data/train-bpe.js';
import type { BertTrace } from '../../src/models/bert.js';
import { type BertForSequenceClassification, createModel, resolveConfig } from '../../src/models/index.js';
import * as F from '../../src/ops/index.js';
import type { ClassifyData, EncodedSplit } from '../../src/train/tasks/classify.js';
import { Trainer } from '../../src/train/trainer.js';

const config = resolveConfig('bert-tiny', { vocabSize: 64, maxPositions: 16, layers: 4, dropout: 0 });

function teacher(): BertForSequenceClassification {
  const m = createModel(config, { seed: 11 }) as BertForSequenceClassification;
  m.eval();
  return m;
}

/** Random token sequences of 4..12 tokens after [CLS] = 1, labelled by whether token 5 occurs. */
function split(n: number, seed: number): EncodedSplit {
  const rng = new Rng(seed);
  const docs = Array.from({ length: n }, () => [
    1,
    ...Array.from({ length: 4 + Math.floor(rng.uniform() * 9) }, () => 4 + Math.floor(rng.uniform() * 60)),
  ]);
  return { docs, labels: Int32Array.from(docs, (d) => (d.includes(5) ? 1 : 0)) };
}

function data(): ClassifyData {
  return {
    tokenizer: trainBpe(['unused'], { vocabSize: 260, specialTokens: ['[PAD]', '[CLS]', '[SEP]', '[UNK]'] }),
    padId: 0,
    seqLen: 12,
    train: split(64, 1),
    validation: split(16, 2),
    test: split(16, 3),
  };
}

function traced(m: BertForSequenceClassification, ids: F.Tensor) {
  const trace: BertTrace = { hidden: [], attention: [] };
  return { logits: m.forward(ids, undefined, undefined, trace), trace };
}

describe('distillation loss', () => {
  it('is 0 for a student identical to its teacher and positive for another; labels need labels', () => {
    const t = teacher();
    const ids = F.tensor(
      Int32Array.from({ length: 2 * 8 }, (_, i) => (i * 5 + 1) % 64),
      { shape: [2, 8] },
    );
    noGrad(() =>
      F.tidy(() => {
        const same = distillLoss(traced(t, ids), traced(t, ids), [0, 1, 2, 3], DEFAULT_DISTILL_WEIGHTS);
        assert.ok(Math.abs(same.loss.value.item()) < 1e-6, `loss ${same.loss.value.item()}`);
        const s = reduceLayers(t, [1, 3]);
        const other = distillLoss(traced(t, ids), traced(s, ids), [1, 3], DEFAULT_DISTILL_WEIGHTS);
        assert.ok(other.parts.hidden > 0 && other.parts.attention > 0);
        assert.ok(
          Math.abs(
            other.loss.value.item() - (other.parts.logits + other.parts.hidden + other.parts.attention),
          ) < 1e-4,
        );
        assert.throws(
          () =>
            distillLoss(traced(t, ids), traced(s, ids), [1, 3], { ...DEFAULT_DISTILL_WEIGHTS, labels: 1 }),
          (e) => isFrugalError(e, 'E_ARG') && e.details.field === 'labels',
        );
        assert.throws(
          () => distillLoss(traced(t, ids), traced(s, ids), [1], DEFAULT_DISTILL_WEIGHTS),
          (e) => isFrugalError(e, 'E_CONFIG') && e.details.field === 'map',
        );
        s.dispose();
      }),
    );
    t.dispose();
    ids.dispose();
  });

  it('a ternary 2-layer student distilled on the Trainer gets closer to its 4-layer teacher', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-distill-'));
    try {
      const t = teacher();
      const s = reduceLayers(t, [1, 3]);
      prepareQat(s, { bits: 2, embeddings: [{ path: 'wordEmbeddings', bits: 2 }] });
      const trainer = new Trainer({
        model: s,
        task: distillClassifyTask(t, data(), {
          batch: 8,
          seed: 0,
          map: [1, 3],
          weights: DEFAULT_DISTILL_WEIGHTS,
        }),
        steps: 20,
        evalEvery: 5,
        lr: 3e-3,
        weightDecay: 0,
        out: dir,
        progress: false,
      });
      const fit = await trainer.fit();
      const kd = (i: number) => {
        const m = fit.evals.at(i)!.metrics;
        return m.kd_logits! + m.kd_hidden! + m.kd_attention!;
      };
      assert.equal(fit.evals.length, 4);
      assert.ok(kd(-1) < 0.7 * kd(0), `KD loss ${kd(0)} -> ${kd(-1)}`);
      assert.ok('accuracy' in fit.final && 'kd_hidden' in fit.final);
      t.dispose();
      s.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
