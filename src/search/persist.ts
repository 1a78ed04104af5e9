/**
 * Index files: "FRGLIDX1", a u32 header length, a JSON header (options, counts, section table),
 * the sections (8-byte aligned, so loading makes views instead of copies), then a CRC-32 of all
 * preceding bytes and "FEND". Writes are atomic; a truncated or corrupt file is a clear E_IO.
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { type IndexParts, VectorIndex } from './graph-index.js';

const MAGIC = 'FRGLIDX1';
const TRAILER = 'FEND';
const VERSION = 1;

type Section = Exclude<keyof IndexParts, 'options' | 'count' | 'entry'> | 'upper';
const SECTIONS = [
  'vectors',
  'codes',
  'scales',
  'norms',
  'neighbors',
  'degrees',
  'deleted',
  'labels',
  'upper',
] as const satisfies readonly Section[];
type ArrayKind = 'f32' | 'i8' | 'u32' | 'u8' | 'f64' | 'i64';

interface Header {
  version: number;
  options: IndexParts['options'];
  count: number;
  entry: number;
  sections: { name: Section; kind: ArrayKind; offset: number; length: number }[];
}

const KINDS = {
  f32: Float32Array,
  i8: Int8Array,
  u32: Uint32Array,
  u8: Uint8Array,
  f64: Float64Array,
  i64: BigInt64Array,
} as const;

function kindOf(a: ArrayBufferView): ArrayKind {
  for (const [k, C] of Object.entries(KINDS)) if (a instanceof C) return k as ArrayKind;
  throw new FrugalError('E_ARG', 'unsupported array type in index parts');
}

const align8 = (x: number) => (x + 7) & ~7;

/** Serializes an index to bytes (see the file comment for the layout). */
export function encodeIndex(index: VectorIndex): Uint8Array {
  const parts = index.parts();
  const up = index.upperLevel;
  const all = { ...parts, upper: up ? encodeIndex(up) : undefined };
  const arrays = SECTIONS.flatMap((name) => {
    const a = all[name];
    return a === undefined ? [] : [{ name, a }];
  });
  const header: Header = {
    version: VERSION,
    options: parts.options,
    count: parts.count,
    entry: parts.entry,
    sections: [],
  };
  // Offsets depend on the header length, which depends on the offsets: reserve generously.
  let headerText = '';
  let start = 0;
  for (let pad = 64; ; pad *= 2) {
    start = align8(
      12 +
        JSON.stringify({
          ...header,
          sections: arrays.map((x) => ({ name: x.name, kind: 'f32', offset: 1e15, length: 1e15 })),
        }).length +
        pad,
    );
    let off = start;
    header.sections = arrays.map(({ name, a }) => {
      const s = { name, kind: kindOf(a), offset: off, length: a.length };
      off = align8(off + a.byteLength);
      return s;
    });
    headerText = JSON.stringify(header);
    if (12 + Buffer.byteLength(headerText) <= start) break;
  }
  const last = header.sections.at(-1);
  const end = last ? align8(last.offset + arrays.at(-1)!.a.byteLength) : start;
  const out = new Uint8Array(end + 8);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  view.setUint32(8, Buffer.byteLength(headerText), true);
  out.set(Buffer.from(headerText), 12);
  arrays.forEach(({ a }, i) => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), header.sections[i]!.offset);
  });
  view.setUint32(end, crc32(out.subarray(0, end)), true);
  out.set(Buffer.from(TRAILER, 'latin1'), end + 4);
  return out;
}

function corrupt(file: string, why: string): FrugalError {
  return new FrugalError('E_IO', `not a valid Frugal index: ${why}`, {
    op: 'loadIndex',
    file,
    hint: 'the file is truncated or corrupt; rebuild it with `frugal index build`',
  });
}

/** Parses bytes written by {@link encodeIndex}; arrays are views into `bytes` when aligned. */
export function decodeIndex(bytes: Uint8Array, file = '<bytes>', threads?: number): VectorIndex {
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  if (bytes.length < 20 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC)
    throw corrupt(file, 'missing FRGLIDX1 magic');
  const end = bytes.length - 8;
  if (Buffer.from(bytes.subarray(end + 4)).toString('latin1') !== TRAILER)
    throw corrupt(file, 'missing end marker (truncated?)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end))) throw corrupt(file, 'checksum mismatch');
  const hlen = view.getUint32(8, true);
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + hlen)).toString('utf8')) as Header;
  } catch {
    throw corrupt(file, 'unreadable header');
  }
  if (header.version !== VERSION)
    throw corrupt(file, `format version ${header.version}, expected ${VERSION}`);
  const parts: Partial<IndexParts> = { options: header.options, count: header.count, entry: header.entry };
  for (const s of header.sections) {
    const C = KINDS[s.kind];
    if (!C || !SECTIONS.includes(s.name)) throw corrupt(file, `unknown section ${s.name}`);
    if (s.offset % 8 !== 0 || s.offset + s.length * C.BYTES_PER_ELEMENT > end)
      throw corrupt(file, `section ${s.name} out of bounds`);
    (parts as Record<string, unknown>)[s.name] = new C(
      bytes.buffer as ArrayBuffer,
      bytes.byteOffset + s.offset,
      s.length,
    );
  }
  const n = header.count;
  const o = header.options;
  const need = (name: Exclude<Section, 'upper'>, len: number) => {
    const a = parts[name];
    if (a === undefined || a.length !== len) throw corrupt(file, `section ${name} has the wrong length`);
  };
  need('neighbors', n * o.degree);
  need('degrees', n);
  need('deleted', n);
  need('labels', n);
  if (o.quantization === 'int8') {
    need('codes', n * o.dim);
    need('scales', n);
    need('norms', n);
  } else need('vectors', n * o.dim);
  const upperBytes = (parts as { upper?: Uint8Array }).upper;
  const upper = upperBytes ? decodeIndex(upperBytes, `${file} (level above)`, threads) : undefined;
  const idx = VectorIndex.fromParts(parts as IndexParts, threads, upper);
  for (let r = 0; r < n; r++) {
    const deg = parts.degrees![r]!;
    if (deg > o.degree) throw corrupt(file, `row ${r} has degree ${deg} > ${o.degree}`);
    for (let j = 0; j < deg; j++)
      if (parts.neighbors![r * o.degree + j]! >= n) throw corrupt(file, `row ${r} links to a missing row`);
  }
  return idx;
}

export async function saveIndex(index: VectorIndex, file: string): Promise<void> {
  await writeFileAtomic(file, encodeIndex(index));
}

export function loadIndex(file: string, opts: { threads?: number } = {}): VectorIndex {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FrugalError('E_IO', 'cannot read the index file', {
      op: 'loadIndex',
      file,
      cause: e,
      hint: 'check the path',
    });
  }
  return decodeIndex(bytes, file, opts.threads);
}
