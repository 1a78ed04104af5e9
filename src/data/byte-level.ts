/**
 * GPT-2's byte-level alphabet: every byte maps to one printable Unicode character, so that BPE can
 * work on strings while any UTF-8 input (emoji, code, binary-looking text) stays representable and
 * the round trip is exact. The table is the one in GPT-2's encoder.py and Hugging Face's ByteLevel.
 */
function buildByteToChar(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const table = new Array<string>(256);
  const kept = new Set(keep);
  for (const b of keep) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!kept.has(b)) {
      table[b] = String.fromCharCode(256 + n);
      n++;
    }
  }
  return table;
}

/** BYTE_TO_CHAR[b] is the printable character that stands for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));

/**
 * GPT-2's pre-tokenizer: contractions, letter runs, digit runs and punctuation runs (each with one
 * optional leading space), then whitespace. Merges never cross these boundaries.
 */
export const PRETOKENIZE_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();

/** Splits text into pre-tokens (or keeps it whole when `useRegex` is false). */
export function preTokenize(text: string, useRegex = true): string[] {
  if (!useRegex) return text.length > 0 ? [text] : [];
  return text.match(PRETOKENIZE_PATTERN) ?? [];
}

/** UTF-8 bytes of a string written in the byte-level alphabet. */
export function toByteChars(text: string): string {
  let out = '';
  for (const b of encoder.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** Bytes behind a byte-level string; characters outside the alphabet yield undefined. */
export function fromByteChars(chars: string): Uint8Array | undefined {
  const out = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    const b = CHAR_TO_BYTE.get(chars[i]);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}
