/**
 * Text → vector with a trained Frugal checkpoint, for evaluating vector search on real embeddings.
 * It lives in train (not search) because it needs models, data and checkpoint loading; search sits
 * on backend and only ever sees the resulting Float32Array / .fvecs file.
 */
import { noGrad } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { padBatch } from '../data/batching.js';
import type { BpeTokenizer } from '../data/bpe-tokenizer.js';
import { loadPythonStdlib, type SourceFile } from '../data/python-stdlib.js';
import { loadSpamAssassin } from '../data/spam-assassin.js';
import { BertForSequenceClassification } from '../models/bert.js';
import { LlamaForCausalLM } from '../models/llama.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import { loadCheckpointModel } from './run.js';
import { messageView } from './tasks/message-view.js';

export type EmbedSource = 'spam' | 'python';
export const EMBED_SOURCES: readonly EmbedSource[] = ['spam', 'python'];

export interface EmbedOptions {
  /** Tokens per text (default: the sequence length the checkpoint was trained with). */
  seqLen?: number;
  /** Texts per forward pass (default 32). */
  batch?: number;
  onProgress?: (done: number) => void;
}

export interface Embeddings {
  dim: number;
  /** [n, dim], each row L2-normalised so that L2 distance ranks like cosine similarity. */
  vectors: Float32Array;
}

// BPE tokens average well over one character, so this many characters per position covers the
// first seqLen tokens without tokenizing megabytes that would be cut off anyway.
const CHARS_PER_POSITION = 12;

/**
 * Mean of a BERT encoder's final hidden states over the real (non-padding) tokens of
 * "[CLS] text", truncated to seqLen tokens. Mean pooling rather than [CLS]: a classifier's [CLS]
 * state is trained to carry little beyond spam-vs-ham, the mean keeps what the message is about.
 */
export function embedWithBert(
  model: BertForSequenceClassification,
  tokenizer: BpeTokenizer,
  texts: readonly string[],
  opts: EmbedOptions & { seqLen: number },
): Embeddings {
  const cls = specialId(tokenizer, '[CLS]');
  const pad = specialId(tokenizer, '[PAD]');
  const docs = texts.map((t) => [cls, ...encodeCut(tokenizer, t, opts.seqLen - 1)]);
  return embedBatches(model.config.hidden, docs, opts, (batch) => {
    const padded = padBatch(batch, { padId: pad });
    const ids = tensor(padded.ids, { shape: padded.shape });
    const mask = tensor(padded.attentionMask, { shape: padded.shape });
    return model.encode(ids, mask).value.toFloat32Array();
  });
}

/**
 * Mean of a Llama's last hidden state (after the final RMSNorm, before the LM head) over the
 * text's tokens. Padding goes on the right: with causal attention no real token sees it.
 */
export function embedWithLlama(
  model: LlamaForCausalLM,
  tokenizer: BpeTokenizer,
  texts: readonly string[],
  opts: EmbedOptions & { seqLen: number },
): Embeddings {
  const docs = texts.map((t) => encodeCut(tokenizer, t, opts.seqLen));
  return embedBatches(model.config.hidden, docs, opts, (batch) => {
    const padded = padBatch(batch, { padId: 0 });
    const ids = tensor(padded.ids, { shape: padded.shape });
    // The model's forward ends in the LM head; its hidden state is the same blocks and norm.
    let x = model.embed.forward(ids);
    for (const block of model.blocks.items) x = block.forward(x, { causal: true });
    return model.norm.forward(x).value.toFloat32Array();
  });
}

/**
 * Runs `forward` ([B, T] padded token ids → [B, T, dim] hidden states) over batches of similar
 * length (the docs sorted by length, so little compute goes to padding) and mean-pools each row.
 */
function embedBatches(
  dim: number,
  docs: readonly number[][],
  opts: EmbedOptions,
  forward: (batch: readonly number[][]) => Float32Array,
): Embeddings {
  const batchSize = opts.batch ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new FrugalError('E_ARG', `batch must be a positive integer, got ${batchSize}`, {
      op: 'embed',
      field: 'batch',
    });
  const order = docs.map((_, i) => i).sort((a, b) => docs[a]!.length - docs[b]!.length || a - b);
  const vectors = new Float32Array(docs.length * dim);
  for (let start = 0; start < docs.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const batch = rows.map((r) => docs[r]!);
    noGrad(() =>
      tidy(() => {
        const hidden = forward(batch);
        const t = hidden.length / (batch.length * dim);
        rows.forEach((r, b) => {
          meanPool(hidden, b * t * dim, batch[b]!.length, dim, vectors, r * dim);
        });
      }),
    );
    opts.onProgress?.(start + batch.length);
  }
  return { dim, vectors };
}

function meanPool(
  hidden: Float32Array,
  offset: number,
  len: number,
  dim: number,
  out: Float32Array,
  at: number,
): void {
  for (let p = 0; p < len; p++) for (let i = 0; i < dim; i++) out[at + i]! += hidden[offset + p * dim + i]!;
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += out[at + i]! * out[at + i]!;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dim; i++) out[at + i]! *= scale;
}

function encodeCut(tokenizer: BpeTokenizer, text: string, max: number): number[] {
  const ids = tokenizer.encode(text.slice(0, max * CHARS_PER_POSITION)).slice(0, max);
  // An empty text still yields one position, so every row gets a defined (if uninformative) vector.
  return ids.length > 0 ? ids : [tokenizer.encode(' ')[0] ?? 0];
}

function specialId(tokenizer: BpeTokenizer, token: string): number {
  const id = tokenizer.tokenToId(token);
  if (id === undefined)
    throw new FrugalError('E_CONFIG', `the tokenizer has no ${token} token`, {
      op: 'embedWithBert',
      field: 'tokenizer',
      hint: 'embed with a `frugal train --task classify` checkpoint',
    });
  return id;
}

const DEF_LINE = /^([ \t]*)(?:async[ \t]+)?def[ \t]+\w+/;

/**
 * The `def` blocks of Python source files: each def line with the lines after it that are blank
 * or indented deeper (nested defs are also returned on their own). Identical blocks are kept once,
 * in the order of the sorted files, and at most `limit` are returned.
 */
export function pythonFunctions(files: readonly SourceFile[], limit = Number.POSITIVE_INFINITY): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const file of files) {
    const lines = file.text.split('\n');
    for (let i = 0; i < lines.length && out.length < limit; i++) {
      const m = DEF_LINE.exec(lines[i]!);
      if (!m) continue;
      const indent = m[1]!.length;
      let end = i + 1;
      while (end < lines.length) {
        const line = lines[end]!;
        if (line.trim() !== '' && line.length - line.trimStart().length <= indent) break;
        end++;
      }
      const block = lines.slice(i, end).join('\n').trimEnd();
      if (!seen.has(block)) {
        seen.add(block);
        out.push(block);
      }
    }
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * The texts of a source: SpamAssassin messages (all 6,046 by default) or stdlib `def` blocks.
 * Messages are read as Subject + From + body (the `subject-body` view): the first tokens of a raw
 * message are Received/Return-Path lines that thousands of messages share almost word for word,
 * and their embeddings sat so close (100th neighbour within 2e-5) that every search was "exact".
 */
export function sourceTexts(source: EmbedSource, limit?: number): string[] {
  if (source === 'spam')
    return loadSpamAssassin()
      .slice(0, limit)
      .map((e) => messageView(e.text, 'subject-body'));
  return pythonFunctions(loadPythonStdlib(), limit);
}

/**
 * Embeds `texts` with the checkpoint in `dir`: a classify (BERT) checkpoint or an lm (Llama) one,
 * whichever it is.
 */
export async function embedTexts(
  dir: string,
  texts: readonly string[],
  opts: EmbedOptions = {},
): Promise<Embeddings> {
  const { model, tokenizer, run } = await loadCheckpointModel(dir);
  try {
    const seqLen = opts.seqLen ?? run.seqLen;
    if (model instanceof BertForSequenceClassification)
      return embedWithBert(model, tokenizer, texts, {
        ...opts,
        seqLen: Math.min(seqLen, model.config.maxPositions),
      });
    if (model instanceof LlamaForCausalLM)
      return embedWithLlama(model, tokenizer, texts, {
        ...opts,
        seqLen: Math.min(seqLen, model.config.maxPositions),
      });
    throw new FrugalError('E_CONFIG', 'embedding needs a BERT (classify) or Llama (lm) checkpoint', {
      op: 'embedTexts',
      file: dir,
    });
  } finally {
    model.dispose();
  }
}
