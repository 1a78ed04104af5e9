import { FrugalError } from '../core/errors.js';
import { fromByteChars, preTokenize, toByteChars } from './byte-level.js';

/** A token that is matched verbatim before pre-tokenization and never split by BPE. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export interface BpeModel {
  /** Token string (byte-level alphabet) → id; includes the added tokens. */
  vocab: ReadonlyMap<string, number>;
  /** Merges in rank order: [left, right] token strings. */
  merges: readonly (readonly [string, string])[];
  addedTokens: readonly AddedToken[];
  /** ByteLevel options as in Hugging Face's tokenizer.json. */
  addPrefixSpace?: boolean;
  useRegex?: boolean;
  /** Where the model came from, named in errors about it. */
  file?: string;
}

const decoder = new TextDecoder('utf-8');

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Byte-level BPE (GPT-2 style). `encode` maps any string to ids and `decode` maps them back; for
 * well-formed Unicode text the round trip is exact because every byte has a token.
 */
export class BpeTokenizer {
  readonly vocab: ReadonlyMap<string, number>;
  readonly merges: readonly (readonly [string, string])[];
  readonly addedTokens: readonly AddedToken[];
  readonly addPrefixSpace: boolean;
  readonly useRegex: boolean;
  private readonly idToToken: string[];
  private readonly ranks = new Map<string, number>();
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly addedPattern: RegExp | undefined;
  private readonly cache = new Map<string, number[]>();

  constructor(model: BpeModel) {
    this.vocab = model.vocab;
    this.merges = model.merges;
    this.addedTokens = model.addedTokens;
    this.addPrefixSpace = model.addPrefixSpace ?? false;
    this.useRegex = model.useRegex ?? true;
    this.idToToken = [];
    const file = model.file;
    for (const [tok, id] of model.vocab) {
      if (!Number.isInteger(id) || id < 0)
        throw new FrugalError('E_CONFIG', `token ${JSON.stringify(tok)} has id ${id}`, {
          file,
          field: 'model.vocab',
          hint: 'ids must be non-negative integers',
        });
      if (this.idToToken[id] !== undefined)
        throw new FrugalError('E_CONFIG', `id ${id} is used by two tokens`, { file, field: 'model.vocab' });
      this.idToToken[id] = tok;
    }
    model.merges.forEach(([a, b], rank) => {
      if (!model.vocab.has(a) || !model.vocab.has(b) || !model.vocab.has(a + b))
        throw new FrugalError(
          'E_CONFIG',
          `merge ${rank} (${JSON.stringify(`${a} ${b}`)}) uses a token missing from the vocab`,
          {
            file,
            field: 'model.merges',
          },
        );
      const key = `${a} ${b}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
    for (const t of model.addedTokens) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
    }
    const contents = model.addedTokens.map((t) => t.content).filter((c) => c.length > 0);
    // Longest first so that a token that is a prefix of another never wins.
    contents.sort((x, y) => y.length - x.length);
    this.addedPattern =
      contents.length > 0 ? new RegExp(`(${contents.map(escapeRegex).join('|')})`, 'u') : undefined;
  }

  get vocabSize(): number {
    return this.idToToken.length;
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.vocab.get(token);
  }

  idToTokenString(id: number): string | undefined {
    return this.idToToken[id];
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    const pieces = this.addedPattern ? text.split(this.addedPattern) : [text];
    // split() with one capture group alternates plain text (even) and added tokens (odd).
    pieces.forEach((piece, i) => {
      if (i % 2 === 1) {
        ids.push((this.addedByContent.get(piece) as AddedToken).id);
        return;
      }
      if (piece.length === 0) return;
      const input = this.addPrefixSpace && i === 0 && !piece.startsWith(' ') ? ` ${piece}` : piece;
      for (const word of preTokenize(input, this.useRegex))
        for (const id of this.encodeWord(word)) ids.push(id);
    });
    return ids;
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    let out = '';
    let run = '';
    const flush = (): void => {
      if (run.length === 0) return;
      const bytes = fromByteChars(run);
      if (!bytes)
        throw new FrugalError('E_CONFIG', 'vocab holds a token outside the byte-level alphabet', {
          op: 'decode',
        });
      out += decoder.decode(bytes);
      run = '';
    };
    for (const id of ids) {
      const added = this.addedById.get(id);
      if (added) {
        flush();
        if (!(added.special && opts.skipSpecialTokens)) out += added.content;
        continue;
      }
      const tok = this.idToToken[id];
      if (tok === undefined)
        throw new FrugalError('E_INDEX', `token id ${id} is not in the vocabulary of ${this.vocabSize}`, {
          op: 'decode',
        });
      run += tok;
    }
    flush();
    return out;
  }

  private encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const symbols = Array.from(toByteChars(word));
    while (symbols.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const left = symbols[best];
      const right = symbols[best + 1];
      // Merge every occurrence of the best pair, left to right, as GPT-2 does.
      const next: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
          next.push(left + right);
          i++;
        } else next.push(symbols[i]);
      }
      symbols.splice(0, symbols.length, ...next);
    }
    const ids = symbols.map((s) => {
      const id = this.vocab.get(s);
      if (id === undefined)
        throw new FrugalError('E_CONFIG', `byte-level symbol ${JSON.stringify(s)} has no id`, {
          field: 'model.vocab',
          hint: 'a byte-level BPE vocab must contain all 256 byte characters',
        });
      return id;
    });
    if (this.cache.size < 100_000) this.cache.set(word, ids);
    return ids;
  }
}
