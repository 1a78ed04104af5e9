import * as A from '../../autograd/index.js';
import { FrugalError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { padBatch } from '../../data/batching.js';
import type { BpeTokenizer } from '../../data/bpe-tokenizer.js';
import { type Email, loadSpamAssassinSplit } from '../../data/spam-assassin.js';
import { trainBpe } from '../../data/train-bpe.js';
import type { BertForSequenceClassification } from '../../models/bert.js';
import { argmax } from '../../ops/reduce.js';
import { tensor } from '../../tensor/creation.js';
import { tidy } from '../../tensor/scope.js';
import { DataOrder, mixSeed } from '../data-order.js';
import { type BinaryMetrics, binaryMetrics } from '../metrics.js';
import type { TrainerTask } from '../trainer.js';
import { type MessageView, messageView } from './message-view.js';

export const CLASSIFY_SPECIAL_TOKENS = ['[PAD]', '[CLS]', '[SEP]', '[UNK]'] as const;

/** Token ids per document ([CLS] first, at most seqLen) and 0/1 labels (1 = spam). */
export interface EncodedSplit {
  docs: number[][];
  labels: Int32Array;
}

export interface ClassifyData {
  tokenizer: BpeTokenizer;
  padId: number;
  seqLen: number;
  train: EncodedSplit;
  validation: EncodedSplit;
  test: EncodedSplit;
}

export interface ClassifyDataOptions {
  seqLen: number;
  /** Vocabulary of the BPE trained on the train split (ignored when a tokenizer is given). */
  vocabSize: number;
  /** Seed of the train/validation/test split (default 0): fixed per run, independent of the training seed. */
  splitSeed?: number;
  /** Keep only the first `limit` training messages (and a quarter as many for validation and test). */
  limit?: number;
  /** Reuse a trained tokenizer (evaluating a checkpoint) instead of training one. */
  tokenizer?: BpeTokenizer;
  /** Which part of each message the window covers (default `raw`, the message as stored). */
  view?: MessageView;
  /**
   * Cut each training message into up to this many consecutive windows instead of keeping only its
   * first (default 1). For MLM pretraining, which needs no label per window; validation and test keep
   * the first window, and the tokenizer is trained on the first windows either way.
   */
  trainWindows?: number;
}

// BPE tokens average well over one character, so this many characters per position always covers
// the first seqLen tokens while sparing the tokenizer megabytes of mail bodies nobody will see.
const CHARS_PER_POSITION = 12;

/** SpamAssassin spam-vs-ham with a BPE tokenizer trained on the train split, [CLS] + truncated tokens. */
export function prepareClassifyData(opts: ClassifyDataOptions): ClassifyData {
  const split = loadSpamAssassinSplit({ seed: opts.splitSeed ?? 0 });
  const cut = (items: Email[], n: number | undefined) => (n === undefined ? items : items.slice(0, n));
  const limit = opts.limit;
  const small = limit === undefined ? undefined : Math.max(8, Math.ceil(limit / 4));
  const parts = {
    train: cut(split.train, limit),
    validation: cut(split.validation, small),
    test: cut(split.test, small),
  };
  const maxChars = opts.seqLen * CHARS_PER_POSITION;
  const view = opts.view ?? 'raw';
  const read = (e: Email) => messageView(e.text, view).slice(0, maxChars);
  const tokenizer =
    opts.tokenizer ??
    trainBpe(parts.train.map(read), { vocabSize: opts.vocabSize, specialTokens: CLASSIFY_SPECIAL_TOKENS });
  const id = (t: string) => {
    const v = tokenizer.tokenToId(t);
    if (v === undefined)
      throw new FrugalError('E_CONFIG', `the tokenizer has no ${t} token`, {
        op: 'prepareClassifyData',
        field: 'tokenizer',
        hint: `a classify tokenizer needs the special tokens ${CLASSIFY_SPECIAL_TOKENS.join(' ')}`,
      });
    return v;
  };
  const cls = id('[CLS]');
  const label = (e: Email) => (e.label === 'spam' ? 1 : 0);
  const encode = (items: Email[]): EncodedSplit => ({
    docs: items.map((e) => [cls, ...tokenizer.encode(read(e)).slice(0, opts.seqLen - 1)]),
    labels: Int32Array.from(items, label),
  });
  const windows = opts.trainWindows ?? 1;
  const encodeWindows = (items: Email[]): EncodedSplit => {
    const docs: number[][] = [];
    const labels: number[] = [];
    const span = opts.seqLen - 1;
    for (const e of items) {
      const ids = tokenizer.encode(messageView(e.text, view).slice(0, maxChars * windows));
      for (let w = 0; w < windows && (w === 0 || w * span < ids.length); w++) {
        docs.push([cls, ...ids.slice(w * span, (w + 1) * span)]);
        labels.push(label(e));
      }
    }
    return { docs, labels: Int32Array.from(labels) };
  };
  return {
    tokenizer,
    padId: id('[PAD]'),
    seqLen: opts.seqLen,
    train: windows === 1 ? encode(parts.train) : encodeWindows(parts.train),
    validation: encode(parts.validation),
    test: encode(parts.test),
  };
}

function batchTensors(
  data: ClassifyData,
  split: EncodedSplit,
  rows: readonly number[],
  hide: (mask: Int32Array) => Int32Array = (mask) => mask,
) {
  const padded = padBatch(
    rows.map((r) => split.docs[r]!),
    { padId: data.padId, length: data.seqLen, truncate: true },
  );
  return {
    ids: tensor(padded.ids, { shape: padded.shape }),
    mask: tensor(hide(padded.attentionMask), { shape: padded.shape }),
    labels: tensor(Int32Array.from(rows, (r) => split.labels[r]!)),
  };
}

/**
 * Token dropout: hides each token after [CLS] from the model with probability p by clearing its
 * attention-mask entry (the token is then neither attended to nor pooled). A regularizer for a
 * small encoder on a few thousand messages, which otherwise memorizes the training set within two
 * passes. Clears entries in place; the draw is a pure function of the rng, so resume replays it.
 */
export function dropTokens(attentionMask: Int32Array, seqLen: number, p: number, rng: Rng): Int32Array {
  for (let i = 0; i < attentionMask.length; i++)
    if (i % seqLen !== 0 && attentionMask[i] === 1 && rng.uniform() < p) attentionMask[i] = 0;
  return attentionMask;
}

/** Training batches in seeded order and validation accuracy / F1 / loss for a BERT classifier. */
export function classifyTask(
  data: ClassifyData,
  opts: { batch: number; seed: number; accumulate?: number; tokenDropout?: number },
): TrainerTask<BertForSequenceClassification> {
  const p = opts.tokenDropout ?? 0;
  if (!(p >= 0 && p < 1))
    throw new FrugalError('E_ARG', `token dropout must be in [0, 1), got ${p}`, {
      op: 'classifyTask',
      field: 'tokenDropout',
    });
  const order = new DataOrder(data.train.docs.length, opts.seed);
  const accumulate = opts.accumulate ?? 1;
  return {
    loss(model, step, micro) {
      const k = step * accumulate + micro;
      const rows = order.batch(k, opts.batch);
      const hide =
        p === 0
          ? undefined
          : (mask: Int32Array) => dropTokens(mask, data.seqLen, p, new Rng(mixSeed(opts.seed, k, 0x746f6b)));
      const { ids, mask, labels } = batchTensors(data, data.train, rows, hide);
      return { loss: A.crossEntropy(model.forward(ids, mask), labels), tokens: ids.size };
    },
    evaluate(model) {
      const { loss, ...m } = evaluateClassifier(model, data, data.validation);
      return { loss, accuracy: m.accuracy, f1: m.f1, precision: m.precision, recall: m.recall };
    },
    better: betterClassifier,
  };
}

/** Higher validation accuracy wins; equal accuracy (a few hundred messages tie often) goes to lower loss. */
export function betterClassifier(a: Record<string, number>, b: Record<string, number>): boolean {
  const accA = a.accuracy ?? 0;
  const accB = b.accuracy ?? 0;
  return (
    accA > accB ||
    (accA === accB && (a.loss ?? Number.POSITIVE_INFINITY) < (b.loss ?? Number.POSITIVE_INFINITY))
  );
}

const EVAL_BATCH = 32;

/** Accuracy, F1 (spam positive) and mean cross-entropy over a split; call in eval mode under noGrad. */
export function evaluateClassifier(
  model: BertForSequenceClassification,
  data: ClassifyData,
  split: EncodedSplit,
): BinaryMetrics & { loss: number } {
  const n = split.docs.length;
  const predicted = new Int32Array(n);
  let lossSum = 0;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const rows = Array.from({ length: Math.min(EVAL_BATCH, n - start) }, (_, i) => start + i);
    tidy(() => {
      const { ids, mask, labels } = batchTensors(data, split, rows);
      const logits = model.forward(ids, mask);
      lossSum += A.crossEntropy(logits, labels).value.item() * rows.length;
      predicted.set(argmax(logits.value, -1).toFlatArray(), start);
    });
  }
  return { ...binaryMetrics(predicted, split.labels), loss: lossSum / n };
}
