import * as A from '../../autograd/index.js';
import { FrugalError } from '../../core/errors.js';
import { type PackedBlocks, packSequences } from '../../data/batching.js';
import type { BpeTokenizer } from '../../data/bpe-tokenizer.js';
import { loadPythonStdlibSplit, type SourceFile } from '../../data/python-stdlib.js';
import { trainBpe } from '../../data/train-bpe.js';
import type { LlamaForCausalLM } from '../../models/llama.js';
import { tensor } from '../../tensor/creation.js';
import { tidy } from '../../tensor/scope.js';
import { DataOrder } from '../data-order.js';
import type { TrainerTask } from '../trainer.js';

export const EOS_TOKEN = '<|endoftext|>';

export interface LmData {
  tokenizer: BpeTokenizer;
  eosId: number;
  seqLen: number;
  /** Blocks of seqLen + 1 tokens: positions 0..T-1 are the input, 1..T the targets. */
  train: PackedBlocks;
  validation: PackedBlocks;
  test: PackedBlocks;
}

export interface LmDataOptions {
  seqLen: number;
  vocabSize: number;
  /** Seed of the by-file split (default 0). */
  splitSeed?: number;
  /** Keep only the first `limit` training files (and a quarter as many for validation and test). */
  limit?: number;
  tokenizer?: BpeTokenizer;
}

/** The Python standard library split by file, BPE trained on the train files, packed into blocks. */
export function prepareLmData(opts: LmDataOptions): LmData {
  const split = loadPythonStdlibSplit({ seed: opts.splitSeed ?? 0 });
  const cut = (items: SourceFile[], n: number | undefined) => (n === undefined ? items : items.slice(0, n));
  const small = opts.limit === undefined ? undefined : Math.max(2, Math.ceil(opts.limit / 4));
  const parts = {
    train: cut(split.train, opts.limit),
    validation: cut(split.validation, small),
    test: cut(split.test, small),
  };
  const tokenizer =
    opts.tokenizer ??
    trainBpe(
      parts.train.map((f) => f.text),
      { vocabSize: opts.vocabSize, specialTokens: [EOS_TOKEN] },
    );
  const eosId = tokenizer.tokenToId(EOS_TOKEN);
  if (eosId === undefined)
    throw new FrugalError('E_CONFIG', `the tokenizer has no ${EOS_TOKEN} token`, {
      op: 'prepareLmData',
      field: 'tokenizer',
    });
  const pack = (files: SourceFile[], name: string): PackedBlocks => {
    const blocks = packSequences(
      files.map((f) => tokenizer.encode(f.text)),
      { eosId, blockSize: opts.seqLen + 1 },
    );
    if (blocks.shape[0] === 0)
      throw new FrugalError('E_CONFIG', `the ${name} split holds fewer than ${opts.seqLen + 1} tokens`, {
        op: 'prepareLmData',
        field: 'seqLen',
        hint: 'lower --seq-len or raise --limit',
      });
    return blocks;
  };
  return {
    tokenizer,
    eosId,
    seqLen: opts.seqLen,
    train: pack(parts.train, 'train'),
    validation: pack(parts.validation, 'validation'),
    test: pack(parts.test, 'test'),
  };
}

function blockTensors(blocks: PackedBlocks, rows: readonly number[]) {
  const width = blocks.shape[1];
  const t = width - 1;
  const input = new Int32Array(rows.length * t);
  const target = new Int32Array(rows.length * t);
  rows.forEach((r, k) => {
    input.set(blocks.ids.subarray(r * width, r * width + t), k * t);
    target.set(blocks.ids.subarray(r * width + 1, (r + 1) * width), k * t);
  });
  return { input: tensor(input, { shape: [rows.length, t] }), target: tensor(target) };
}

function blockLoss(model: LlamaForCausalLM, blocks: PackedBlocks, rows: readonly number[]) {
  const { input, target } = blockTensors(blocks, rows);
  const logits = model.forward(input);
  const v = logits.shape[2]!;
  return { loss: A.crossEntropy(A.reshape(logits, [target.size, v]), target), tokens: target.size };
}

/** Training blocks in seeded order; validation loss and perplexity on a fixed prefix of the validation blocks. */
export function lmTask(
  data: LmData,
  opts: { batch: number; seed: number; accumulate?: number; evalBlocks?: number },
): TrainerTask<LlamaForCausalLM> {
  const order = new DataOrder(data.train.shape[0], opts.seed);
  const accumulate = opts.accumulate ?? 1;
  return {
    loss(model, step, micro) {
      return blockLoss(model, data.train, order.batch(step * accumulate + micro, opts.batch));
    },
    evaluate(model) {
      const loss = evaluateLm(model, data.validation, opts.evalBlocks);
      return { loss, perplexity: Math.exp(loss) };
    },
  };
}

const EVAL_BATCH = 8;

/** Mean next-token cross-entropy over the first maxBlocks blocks (all by default); call under noGrad. */
export function evaluateLm(model: LlamaForCausalLM, blocks: PackedBlocks, maxBlocks?: number): number {
  const n = Math.min(blocks.shape[0], maxBlocks ?? blocks.shape[0]);
  let sum = 0;
  let count = 0;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const rows = Array.from({ length: Math.min(EVAL_BATCH, n - start) }, (_, i) => start + i);
    tidy(() => {
      const { loss, tokens } = blockLoss(model, blocks, rows);
      sum += loss.value.item() * tokens;
      count += tokens;
    });
  }
  return sum / count;
}
