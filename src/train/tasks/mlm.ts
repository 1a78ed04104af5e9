import * as A from '../../autograd/index.js';
import { FrugalError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { padBatch } from '../../data/batching.js';
import { BpeTokenizer } from '../../data/bpe-tokenizer.js';
import type { BertForMaskedLM } from '../../models/bert-mlm.js';
import { argmax } from '../../ops/reduce.js';
import { tensor } from '../../tensor/creation.js';
import { tidy } from '../../tensor/scope.js';
import { DataOrder, mixSeed } from '../data-order.js';
import type { TrainerTask } from '../trainer.js';
import { type ClassifyData, type ClassifyDataOptions, prepareClassifyData } from './classify.js';

export const MASK_TOKEN = '[MASK]';

/** BERT's rule: 15% of the tokens are picked; of those 80% become [MASK], 10% a random token, 10% stay. */
export const MLM_RULE = { pick: 0.15, mask: 0.8, random: 0.1 } as const;

/**
 * The classify data (same split, message view and windows) with a tokenizer that also knows [MASK].
 * The token is appended after the BPE vocabulary, so every other id is the one classify uses, and a
 * classifier started from the MLM checkpoint reads its tokenizer and encodes the messages identically.
 */
export function prepareMlmData(opts: ClassifyDataOptions): ClassifyData & { maskId: number } {
  const data = prepareClassifyData(opts);
  const tokenizer = withMaskToken(data.tokenizer);
  return { ...data, tokenizer, maskId: tokenizer.tokenToId(MASK_TOKEN) as number };
}

/** The tokenizer with [MASK] as an added special token at the next free id (itself if it has one). */
export function withMaskToken(tok: BpeTokenizer): BpeTokenizer {
  if (tok.tokenToId(MASK_TOKEN) !== undefined) return tok;
  const id = tok.vocabSize;
  return new BpeTokenizer({
    vocab: new Map([...tok.vocab, [MASK_TOKEN, id]]),
    merges: tok.merges,
    addedTokens: [...tok.addedTokens, { id, content: MASK_TOKEN, special: true }],
    addPrefixSpace: tok.addPrefixSpace,
    useRegex: tok.useRegex,
  });
}

export interface MaskedBatch {
  /** Input ids [B, T] with the picked tokens replaced. */
  ids: Int32Array;
  attentionMask: Int32Array;
  shape: [number, number];
  /** Flat indices b·T + t of the picked tokens, ascending. */
  positions: Int32Array;
  /** The original token at each picked position. */
  targets: Int32Array;
}

export interface MaskingOptions {
  padId: number;
  maskId: number;
  seqLen: number;
  /** Ids a picked token may be replaced by in the random 10% (the non-special vocabulary). */
  randomIds: Int32Array;
}

/**
 * Pads the documents to seqLen and applies the MLM rule to every real token after the leading
 * [CLS]. A batch with no token picked (only possible for very short documents) gets one picked at
 * random, so the loss is always defined.
 */
export function maskBatch(docs: readonly (readonly number[])[], rng: Rng, o: MaskingOptions): MaskedBatch {
  const padded = padBatch(docs, { padId: o.padId, length: o.seqLen, truncate: true });
  const ids = Int32Array.from(padded.ids);
  const attentionMask = Int32Array.from(padded.attentionMask);
  const t = o.seqLen;
  const eligible: number[] = [];
  for (let i = 0; i < ids.length; i++) if (i % t !== 0 && attentionMask[i] === 1) eligible.push(i);
  if (eligible.length === 0)
    throw new FrugalError('E_ARG', 'no document in the batch has a token after [CLS] to mask', {
      op: 'maskBatch',
      field: 'docs',
      hint: 'MLM needs documents of at least two tokens',
    });
  const picked = eligible.filter(() => rng.uniform() < MLM_RULE.pick);
  if (picked.length === 0) picked.push(eligible[rng.int(eligible.length)] as number);
  const targets = Int32Array.from(picked, (p) => ids[p] as number);
  for (const p of picked) {
    const u = rng.uniform();
    if (u < MLM_RULE.mask) ids[p] = o.maskId;
    else if (u < MLM_RULE.mask + MLM_RULE.random) ids[p] = o.randomIds[rng.int(o.randomIds.length)] as number;
  }
  return { ids, attentionMask, shape: [docs.length, t], positions: Int32Array.from(picked), targets };
}

/** Mean cross-entropy over the masked positions only, and how many there were. */
export function maskedLoss(model: BertForMaskedLM, batch: MaskedBatch) {
  const ids = tensor(batch.ids, { shape: batch.shape });
  const mask = tensor(batch.attentionMask, { shape: batch.shape });
  const logits = model.maskedLogits(ids, mask, tensor(batch.positions));
  return { logits, loss: A.crossEntropy(logits, tensor(batch.targets)), count: batch.targets.length };
}

function maskingOptions(data: ClassifyData & { maskId: number }): MaskingOptions {
  const special = new Set(data.tokenizer.addedTokens.map((t) => t.id));
  const randomIds: number[] = [];
  for (let id = 0; id < data.tokenizer.vocabSize; id++) if (!special.has(id)) randomIds.push(id);
  return {
    padId: data.padId,
    maskId: data.maskId,
    seqLen: data.seqLen,
    randomIds: Int32Array.from(randomIds),
  };
}

/**
 * Masked-language-model pretraining on the training messages: seeded batches and masks (a pure
 * function of seed, step and micro-batch, so resume replays them), validation MLM loss and accuracy
 * on the validation messages with masks that depend on nothing but the split.
 */
export function mlmTask(
  data: ClassifyData & { maskId: number },
  opts: { batch: number; seed: number; accumulate?: number },
): TrainerTask<BertForMaskedLM> {
  const order = new DataOrder(data.train.docs.length, opts.seed);
  const accumulate = opts.accumulate ?? 1;
  const masking = maskingOptions(data);
  return {
    loss(model, step, micro) {
      const k = step * accumulate + micro;
      const docs = order.batch(k, opts.batch).map((r) => data.train.docs[r] as number[]);
      const batch = maskBatch(docs, new Rng(mixSeed(opts.seed, k, 0x6d6c6d)), masking);
      return { loss: maskedLoss(model, batch).loss, tokens: batch.ids.length };
    },
    evaluate(model) {
      return evaluateMlm(model, data, data.validation.docs);
    },
    better: (a, b) => (a.loss ?? Number.POSITIVE_INFINITY) < (b.loss ?? Number.POSITIVE_INFINITY),
  };
}

const EVAL_BATCH = 32;
// Validation masks are the same for every run and seed, so runs compare on the same masked tokens.
const EVAL_MASK_SEED = 0;

/** MLM loss and accuracy (argmax = original token) over every masked token of the documents; call under noGrad. */
export function evaluateMlm(
  model: BertForMaskedLM,
  data: ClassifyData & { maskId: number },
  docs: readonly number[][],
): { loss: number; accuracy: number; masked: number } {
  const masking = maskingOptions(data);
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (let start = 0; start < docs.length; start += EVAL_BATCH) {
    const rows = docs.slice(start, start + EVAL_BATCH);
    const batch = maskBatch(rows, new Rng(mixSeed(EVAL_MASK_SEED, start)), masking);
    tidy(() => {
      const { logits, loss, count: n } = maskedLoss(model, batch);
      lossSum += loss.value.item() * n;
      const predicted = argmax(logits.value, -1).toFlatArray();
      for (let i = 0; i < n; i++) if (predicted[i] === batch.targets[i]) correct++;
      count += n;
    });
  }
  return { loss: lossSum / count, accuracy: correct / count, masked: count };
}
