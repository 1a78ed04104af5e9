import { FrugalError } from '../core/errors.js';
import { type AddedToken, BpeTokenizer } from './bpe-tokenizer.js';
import { BYTE_TO_CHAR, preTokenize, toByteChars } from './byte-level.js';

export interface TrainBpeOptions {
  /** Final vocabulary size: special tokens + 256 bytes + merges. */
  vocabSize: number;
  /** Tokens matched verbatim and given the first ids, e.g. ['<|endoftext|>']. */
  specialTokens?: readonly string[];
  /** Pairs seen fewer times than this are never merged (default 2). */
  minFrequency?: number;
}

// Token ids stay below 2^20 so a pair packs into one float64-exact number.
const PAIR_BASE = 1 << 20;

/** Max-heap of [count, pairKey] with lazy deletion: stale entries are skipped on pop. */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastC = this.counts.pop() as number;
    const lastK = this.keys.pop() as number;
    if (this.counts.length > 0) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.counts.length && this.above(l, m)) m = l;
        if (r < this.counts.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  // Higher count first; ties go to the smaller pair (lower ids), as in Hugging Face's trainer.
  private above(i: number, j: number): boolean {
    return (
      this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j])
    );
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
}

/**
 * Learns byte-level BPE merges from texts: pre-tokenize, count word frequencies, then repeatedly
 * merge the most frequent adjacent pair over the word-frequency table, updating only the words
 * that contain the merged pair.
 */
export function trainBpe(texts: Iterable<string>, opts: TrainBpeOptions): BpeTokenizer {
  const specials = [...(opts.specialTokens ?? [])];
  const minFrequency = opts.minFrequency ?? 2;
  const base = specials.length + 256;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < base || opts.vocabSize >= PAIR_BASE)
    throw new FrugalError(
      'E_ARG',
      `vocabSize ${opts.vocabSize} must be an integer in [${base}, ${PAIR_BASE})`,
      {
        op: 'trainBpe',
        field: 'vocabSize',
        hint: `${specials.length} special tokens + 256 byte tokens need at least ${base}`,
      },
    );
  if (new Set(specials).size !== specials.length || specials.some((s) => s.length === 0))
    throw new FrugalError('E_ARG', 'special tokens must be distinct and non-empty', {
      op: 'trainBpe',
      field: 'specialTokens',
    });

  const tokens: string[] = [...specials, ...BYTE_TO_CHAR];
  const byteId = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, specials.length + b]));
  const tokenId = new Map<string, number>(tokens.map((t, id) => [t, id]));

  const freq = new Map<string, number>();
  const specialSplit =
    specials.length > 0
      ? new RegExp(specials.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'u')
      : undefined;
  for (const text of texts)
    for (const piece of specialSplit ? text.split(specialSplit) : [text])
      for (const w of preTokenize(piece)) freq.set(w, (freq.get(w) ?? 0) + 1);

  const words: number[][] = [];
  const counts: number[] = [];
  for (const [w, c] of freq) {
    words.push(Array.from(toByteChars(w), (ch) => byteId.get(ch) as number));
    counts.push(c);
  }

  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: 1 | -1, touched: Set<number> | undefined): void => {
    const w = words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const key = w[i] * PAIR_BASE + w[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * counts[wi]);
      if (sign === 1) {
        const s = where.get(key);
        if (s) s.add(wi);
        else where.set(key, new Set([wi]));
      }
      touched?.add(key);
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1, undefined);
  const heap = new PairHeap();
  for (const [key, c] of pairCount) heap.push(c, key);

  const merges: [string, string][] = [];
  while (tokens.length < opts.vocabSize && heap.size > 0) {
    const [c, key] = heap.pop();
    if (pairCount.get(key) !== c) continue;
    if (c < minFrequency) break;
    const a = Math.floor(key / PAIR_BASE);
    const b = key % PAIR_BASE;
    // Two merges can spell the same string ("ab"+"c", "a"+"bc"); they share one id.
    const merged = tokens[a] + tokens[b];
    let id = tokenId.get(merged);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(merged);
      tokenId.set(merged, id);
    }
    merges.push([tokens[a], tokens[b]]);
    const touched = new Set<number>();
    for (const wi of where.get(key) ?? []) {
      const w = words[wi];
      let has = false;
      for (let i = 0; i + 1 < w.length; i++) if (w[i] === a && w[i + 1] === b) has = true;
      if (!has) continue;
      addPairs(wi, -1, touched);
      const next: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          next.push(id);
          i++;
        } else next.push(w[i]);
      }
      words[wi] = next;
      addPairs(wi, 1, touched);
    }
    where.delete(key);
    for (const k of touched) {
      const n = pairCount.get(k) ?? 0;
      if (n <= 0) pairCount.delete(k);
      else heap.push(n, k);
    }
  }

  const added: AddedToken[] = specials.map((content, id) => ({ id, content, special: true }));
  return new BpeTokenizer({
    vocab: tokenId,
    merges,
    addedTokens: added,
  });
}
