import { FrugalError } from '../core/errors.js';

export interface PaddedBatch {
  /** Row-major [batch, length] token ids, padded with padId. */
  ids: Int32Array;
  /** 1 where a real token is, 0 on padding; same layout as ids. */
  attentionMask: Int32Array;
  shape: [number, number];
}

export interface PadOptions {
  padId: number;
  /** Target length; default the longest sequence. Longer sequences are an error unless truncate. */
  length?: number;
  truncate?: boolean;
  /** Where padding goes (default right; left suits decoder-only generation). */
  side?: 'right' | 'left';
}

/** Pads token-id sequences to one [B, T] Int32Array with an attention mask. */
export function padBatch(seqs: readonly (readonly number[])[], opts: PadOptions): PaddedBatch {
  const op = 'padBatch';
  if (seqs.length === 0) throw new FrugalError('E_ARG', 'no sequences to pad', { op, field: 'seqs' });
  if (!Number.isInteger(opts.padId))
    throw new FrugalError('E_ARG', `padId ${opts.padId} is not an integer`, { op, field: 'padId' });
  const longest = Math.max(...seqs.map((s) => s.length));
  const t = opts.length ?? longest;
  if (!Number.isInteger(t) || t < 1)
    throw new FrugalError('E_ARG', `length ${t} must be a positive integer`, { op, field: 'length' });
  if (longest > t && !opts.truncate)
    throw new FrugalError('E_SHAPE', `a sequence of ${longest} tokens does not fit length ${t}`, {
      op,
      field: 'length',
      hint: 'raise length or pass truncate: true',
    });
  const b = seqs.length;
  const ids = new Int32Array(b * t).fill(opts.padId);
  const attentionMask = new Int32Array(b * t);
  const left = opts.side === 'left';
  seqs.forEach((seq, row) => {
    const n = Math.min(seq.length, t);
    const start = row * t + (left ? t - n : 0);
    for (let i = 0; i < n; i++) {
      const id = seq[i];
      if (!Number.isInteger(id) || id < -(2 ** 31) || id >= 2 ** 31)
        throw new FrugalError('E_ARG', `sequence ${row} position ${i} holds ${id}, not an int32 token id`, {
          op,
          field: 'seqs',
        });
      ids[start + i] = id;
      attentionMask[start + i] = 1;
    }
  });
  return { ids, attentionMask, shape: [b, t] };
}

export interface PackedBlocks {
  /** Row-major [blocks, blockSize] token ids. */
  ids: Int32Array;
  shape: [number, number];
  /** Tokens left over after the last full block, dropped. */
  dropped: number;
}

/**
 * Language-model packing: concatenate the sequences, each followed by eosId, and cut the stream
 * into full blocks of blockSize tokens. The tail that does not fill a block is dropped.
 */
export function packSequences(
  seqs: readonly (readonly number[])[],
  opts: { eosId: number; blockSize: number },
): PackedBlocks {
  const op = 'packSequences';
  const { eosId, blockSize } = opts;
  if (!Number.isInteger(blockSize) || blockSize < 1)
    throw new FrugalError('E_ARG', `blockSize ${blockSize} must be a positive integer`, {
      op,
      field: 'blockSize',
    });
  if (!Number.isInteger(eosId))
    throw new FrugalError('E_ARG', `eosId ${eosId} is not an integer`, { op, field: 'eosId' });
  let total = 0;
  for (const s of seqs) total += s.length + 1;
  const blocks = Math.floor(total / blockSize);
  const ids = new Int32Array(blocks * blockSize);
  let k = 0;
  outer: for (const s of seqs) {
    for (const id of s) {
      if (!Number.isInteger(id) || id < -(2 ** 31) || id >= 2 ** 31)
        throw new FrugalError('E_ARG', `token ${id} is not an int32 token id`, { op, field: 'seqs' });
      if (k === ids.length) break outer;
      ids[k++] = id;
    }
    if (k === ids.length) break;
    ids[k++] = eosId;
  }
  return { ids, shape: [blocks, blockSize], dropped: total - blocks * blockSize };
}
