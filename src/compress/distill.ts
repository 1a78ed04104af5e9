/**
 * Single-stage knowledge distillation of a BERT student from its teacher (XTC, after TinyBERT):
 *   loss = w_logits · T² · KL(softmax(t / T) || softmax(s / T))
 *        + w_hidden · Σ_l MSE(h_s[l], h_t[map(l)])        (embedding output and every student block)
 *        + w_attention · Σ_l KL(A_t[map(l)] || A_s[l])     (attention probabilities, per query row)
 *        + w_labels · CE(s, labels)                        (optional; 0 = no labels used)
 * Student block l is compared with teacher block map[l] (layer reduction); hidden state 0, the
 * embedding output, with the teacher's.
 */
import * as A from '../autograd/index.js';
import { noGrad, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { padBatch } from '../data/batching.js';
import type { BertForSequenceClassification, BertTrace } from '../models/bert.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { DataOrder } from '../train/data-order.js';
import type { ClassifyData } from '../train/tasks/classify.js';
import { evaluateClassifier } from '../train/tasks/classify.js';
import type { TrainerTask } from '../train/trainer.js';

export interface DistillWeights {
  logits: number;
  hidden: number;
  attention: number;
  labels: number;
  /** Softmax temperature of the logit term. */
  temperature: number;
}

export const DEFAULT_DISTILL_WEIGHTS: DistillWeights = {
  logits: 1,
  hidden: 1,
  attention: 1,
  labels: 0,
  temperature: 1,
};

export interface DistillParts {
  logits: number;
  hidden: number;
  attention: number;
  labels: number;
}

// Keeps log() finite on masked keys, whose probabilities are exactly 0.
const PROB_EPS = 1e-8;

function mse(a: Variable, b: Variable): Variable {
  const d = A.sub(a, b);
  return A.mean(A.mul(d, d));
}

/** KL(p || q) summed over the last axis, averaged over every other position. */
function klRows(p: Variable, logP: Variable, logQ: Variable): Variable {
  const rows = p.value.size / p.shape[p.shape.length - 1]!;
  return A.div(A.sum(A.mul(p, A.sub(logP, logQ))), rows);
}

/** The distillation loss and its parts (each already multiplied by its weight). */
export function distillLoss(
  teacher: { logits: Variable; trace: BertTrace },
  student: { logits: Variable; trace: BertTrace },
  map: readonly number[],
  w: DistillWeights,
  labels?: Tensor,
): { loss: Variable; parts: DistillParts } {
  if (student.trace.attention.length !== map.length) {
    throw new FrugalError(
      'E_CONFIG',
      `the layer map has ${map.length} entries for ${student.trace.attention.length} student layers`,
      {
        op: 'distillLoss',
        field: 'map',
      },
    );
  }
  const terms: Partial<Record<keyof DistillParts, Variable>> = {};
  if (w.logits > 0) {
    const t = w.temperature;
    const logP = A.logSoftmax(A.div(teacher.logits, t), -1);
    const logQ = A.logSoftmax(A.div(student.logits, t), -1);
    terms.logits = A.mul(klRows(A.exp(logP), logP, logQ), w.logits * t * t);
  }
  if (w.hidden > 0) {
    let h = mse(student.trace.hidden[0]!, teacher.trace.hidden[0]!);
    map.forEach((tl, l) => {
      h = A.add(h, mse(student.trace.hidden[l + 1]!, teacher.trace.hidden[tl + 1]!));
    });
    terms.hidden = A.mul(h, w.hidden);
  }
  if (w.attention > 0) {
    let a: Variable | undefined;
    map.forEach((tl, l) => {
      const p = teacher.trace.attention[tl]!;
      const q = student.trace.attention[l]!;
      const kl = klRows(p, A.log(A.add(p, PROB_EPS)), A.log(A.add(q, PROB_EPS)));
      a = a ? A.add(a, kl) : kl;
    });
    if (a) terms.attention = A.mul(a, w.attention);
  }
  if (w.labels > 0) {
    if (!labels) {
      throw new FrugalError('E_ARG', 'the labels term has a weight but no labels were given', {
        op: 'distillLoss',
        field: 'labels',
        hint: 'pass the batch labels or set weights.labels to 0',
      });
    }
    terms.labels = A.mul(A.crossEntropy(student.logits, labels), w.labels);
  }
  const present = Object.values(terms);
  if (present.length === 0) {
    throw new FrugalError('E_CONFIG', 'every distillation weight is 0', {
      op: 'distillLoss',
      field: 'weights',
      hint: 'give logits, hidden, attention or labels a positive weight',
    });
  }
  const loss = present.reduce((s, v) => A.add(s, v));
  const value = (k: keyof DistillParts) => terms[k]?.value.item() ?? 0;
  return {
    loss,
    parts: {
      logits: value('logits'),
      hidden: value('hidden'),
      attention: value('attention'),
      labels: value('labels'),
    },
  };
}

export interface DistillTaskOptions {
  batch: number;
  seed: number;
  /** Student block l learns from teacher block map[l]. */
  map: readonly number[];
  weights: DistillWeights;
}

/**
 * A Trainer task that distills `teacher` into the model being trained on the training split of a
 * classify run; validation reports the student's accuracy / F1 / loss and the mean loss parts
 * since the previous validation.
 */
export function distillClassifyTask(
  teacher: BertForSequenceClassification,
  data: ClassifyData,
  opts: DistillTaskOptions,
): TrainerTask<BertForSequenceClassification> {
  const order = new DataOrder(data.train.docs.length, opts.seed);
  const sums: DistillParts = { logits: 0, hidden: 0, attention: 0, labels: 0 };
  let count = 0;
  return {
    loss(student, step) {
      const rows = order.batch(step, opts.batch);
      const p = padBatch(
        rows.map((r) => data.train.docs[r]!),
        { padId: data.padId, length: data.seqLen, truncate: true },
      );
      const ids = tensor(p.ids, { shape: p.shape });
      const mask = tensor(p.attentionMask, { shape: p.shape });
      const labels = tensor(Int32Array.from(rows, (r) => data.train.labels[r]!));
      const tTrace: BertTrace = { hidden: [], attention: [] };
      const tLogits = noGrad(() => teacher.forward(ids, mask, undefined, tTrace));
      const sTrace: BertTrace = { hidden: [], attention: [] };
      const sLogits = student.forward(ids, mask, undefined, sTrace);
      const { loss, parts } = distillLoss(
        { logits: tLogits, trace: tTrace },
        { logits: sLogits, trace: sTrace },
        opts.map,
        opts.weights,
        labels,
      );
      for (const k of Object.keys(sums) as (keyof DistillParts)[]) sums[k] += parts[k];
      count++;
      return { loss, tokens: ids.size };
    },
    evaluate(student) {
      const { loss, accuracy, f1, precision, recall } = evaluateClassifier(student, data, data.validation);
      const mean = (k: keyof DistillParts) => (count === 0 ? 0 : sums[k] / count);
      const parts = {
        kd_logits: mean('logits'),
        kd_hidden: mean('hidden'),
        kd_attention: mean('attention'),
        kd_labels: mean('labels'),
      };
      for (const k of Object.keys(sums) as (keyof DistillParts)[]) sums[k] = 0;
      count = 0;
      return { loss, accuracy, f1, precision, recall, ...parts };
    },
  };
}
