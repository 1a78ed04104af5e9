import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { type AddedToken, BpeTokenizer } from './bpe-tokenizer.js';

/** The Hugging Face `tokenizer.json` document for a byte-level BPE tokenizer. */
export function toTokenizerJson(tok: BpeTokenizer): Record<string, unknown> {
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: tok.addPrefixSpace,
    trim_offsets: true,
    use_regex: tok.useRegex,
  };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: tok.addedTokens.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.special,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries([...tok.vocab].sort((x, y) => x[1] - y[1])),
      merges: tok.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** Saves in Hugging Face's tokenizer.json format, atomically. */
export async function saveTokenizerJson(tok: BpeTokenizer, path: string): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(toTokenizerJson(tok), null, 2)}\n`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Builds a tokenizer from a parsed tokenizer.json; `file` only names the source in errors. */
export function fromTokenizerJson(doc: unknown, file?: string): BpeTokenizer {
  const bad = (field: string, message: string, hint?: string): FrugalError =>
    new FrugalError('E_CONFIG', message, { op: 'loadTokenizerJson', file, field, hint });
  if (!isRecord(doc)) throw bad('(root)', 'tokenizer.json must hold a JSON object');
  const model = doc.model;
  if (!isRecord(model)) throw bad('model', 'missing the model object');
  if (model.type !== 'BPE')
    throw bad('model.type', `model type ${JSON.stringify(model.type)} is not supported`, 'only "BPE" is');
  if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0)
    throw bad('model.dropout', 'BPE dropout is not supported', 'set it to null for deterministic encoding');
  const pre = doc.pre_tokenizer;
  if (!isRecord(pre) || pre.type !== 'ByteLevel')
    throw bad(
      'pre_tokenizer',
      'only the ByteLevel pre-tokenizer is supported',
      'this loader reads GPT-2 style byte-level BPE files',
    );
  const dec = doc.decoder;
  if (dec !== null && dec !== undefined && (!isRecord(dec) || dec.type !== 'ByteLevel'))
    throw bad('decoder', 'only the ByteLevel decoder is supported');
  if (doc.normalizer !== null && doc.normalizer !== undefined)
    throw bad('normalizer', 'normalizers are not supported', 'byte-level BPE files use "normalizer": null');
  if (!isRecord(model.vocab)) throw bad('model.vocab', 'vocab must be an object of token → id');
  const vocab = new Map<string, number>();
  for (const [t, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
      throw bad(
        'model.vocab',
        `token ${JSON.stringify(t)} has id ${JSON.stringify(id)}`,
        'ids must be non-negative integers',
      );
    vocab.set(t, id);
  }
  if (!Array.isArray(model.merges)) throw bad('model.merges', 'merges must be an array');
  const merges = model.merges.map((m: unknown, i: number): [string, string] => {
    // Older files write "a b", newer ones ["a", "b"]; byte-level tokens never hold a space.
    const parts = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(parts) || parts.length !== 2 || parts.some((p) => typeof p !== 'string'))
      throw bad(`model.merges[${i}]`, `merge ${JSON.stringify(m)} is not a pair of tokens`);
    return [parts[0], parts[1]];
  });
  const rawAdded = doc.added_tokens ?? [];
  if (!Array.isArray(rawAdded)) throw bad('added_tokens', 'added_tokens must be an array');
  const addedTokens = rawAdded.map((t: unknown, i: number): AddedToken => {
    if (!isRecord(t) || typeof t.content !== 'string' || typeof t.id !== 'number' || !Number.isInteger(t.id))
      throw bad(`added_tokens[${i}]`, 'an added token needs an integer id and a string content');
    return { id: t.id, content: t.content, special: t.special === true };
  });
  for (const t of addedTokens) {
    const have = vocab.get(t.content);
    if (have === undefined) vocab.set(t.content, t.id);
    else if (have !== t.id)
      throw bad('added_tokens', `${JSON.stringify(t.content)} has id ${t.id} but the vocab says ${have}`);
  }
  return new BpeTokenizer({
    vocab,
    merges,
    addedTokens,
    addPrefixSpace: pre.add_prefix_space === true,
    useRegex: pre.use_regex !== false,
    file,
  });
}

/** Loads a Hugging Face byte-level BPE tokenizer.json. */
export async function loadTokenizerJson(path: string): Promise<BpeTokenizer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FrugalError('E_IO', 'cannot read the tokenizer file', {
      op: 'loadTokenizerJson',
      file: path,
      cause: e,
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FrugalError('E_IO', `not valid JSON: ${(e as Error).message}`, {
      op: 'loadTokenizerJson',
      file: path,
      cause: e,
    });
  }
  return fromTokenizerJson(doc, path);
}
