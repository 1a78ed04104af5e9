/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * mapping each name to {dtype, shape, data_offsets}, then the raw little-endian data. Reading
 * checks every entry against the file before building tensors, so a corrupt or truncated file is
 * an E_IO naming the file and the tensor instead of garbage weights.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { contiguous } from '../ops/index.js';
import { allocateStorageArray, BYTES_PER_ELEMENT, type DType } from '../tensor/dtype.js';
import { Storage } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';

export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const FILE_DTYPE: Readonly<Record<DType, string>> = {
  f32: 'F32',
  bf16: 'BF16',
  f16: 'F16',
  i8: 'I8',
  u8: 'U8',
  i32: 'I32',
  bool: 'BOOL',
};

/** File dtypes Frugal has no storage for, read by conversion (checked, never silently clipped). */
const WIDENED: Readonly<Record<string, { bytes: number; to: DType }>> = {
  F64: { bytes: 8, to: 'f32' },
  I64: { bytes: 8, to: 'i32' },
};

const FROM_FILE_DTYPE = new Map<string, DType>(Object.entries(FILE_DTYPE).map(([d, f]) => [f, d as DType]));

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') {
      throw new FrugalError('E_ARG', 'a tensor cannot be named __metadata__', {
        op: 'encodeSafetensors',
        field: name,
      });
    }
    const bytes = tensorBytes(t);
    header[name] = {
      dtype: FILE_DTYPE[t.dtype],
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad so the data section starts 8-byte aligned, as the reference implementation does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContent {
  const fail = (msg: string, field?: string): never => {
    throw new FrugalError('E_IO', `${source}: ${msg}`, {
      op: 'readSafetensors',
      file: source,
      field,
      hint: 'the file is corrupt or truncated; write it again or restore it from a copy',
    });
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors header`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    fail(`the header claims ${headerLength} bytes but the file has ${bytes.length - 8} after the length`);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('the header is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const metadata: Record<string, string> = {};
  const tensors: Record<string, Tensor> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata value ${k} is not a string`, '__metadata__');
        metadata[k] = v as string;
      }
      continue;
    }
    const entry = checkEntry(raw, name, fail);
    const [begin, end] = entry.data_offsets;
    if (end > data.length) {
      fail(`tensor ${name} ends at byte ${end} of the data but the data has only ${data.length} bytes`, name);
    }
    tensors[name] = decodeTensor(entry, data.subarray(begin, end), name, fail);
  }
  return { tensors, metadata };
}

export async function writeSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string): Promise<SafetensorsContent> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new FrugalError('E_IO', `cannot read ${path}: ${(e as Error).message}`, {
      op: 'readSafetensors',
      file: path,
    });
  }
  return decodeSafetensors(bytes, path);
}

function tensorBytes(t: Tensor): Uint8Array {
  const dense = t.isContiguous ? t : contiguous(t);
  const view = dense.data.subarray(dense.offset, dense.offset + dense.size);
  const bytes = new Uint8Array(view.buffer, view.byteOffset, dense.size * BYTES_PER_ELEMENT[t.dtype]).slice();
  if (dense !== t) dense.dispose();
  return bytes;
}

function checkEntry(raw: unknown, name: string, fail: (msg: string, field?: string) => never): HeaderEntry {
  const e = raw as Partial<HeaderEntry> | null;
  if (typeof e !== 'object' || e === null) fail(`entry ${name} is not an object`, name);
  const entry = e as Partial<HeaderEntry>;
  if (typeof entry.dtype !== 'string') fail(`tensor ${name} has no dtype`, name);
  if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    fail(`tensor ${name} has shape ${JSON.stringify(entry.shape)}, expected non-negative integers`, name);
  }
  const offsets = entry.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(
      `tensor ${name} has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with begin <= end`,
      name,
    );
  }
  return entry as HeaderEntry;
}

function decodeTensor(
  entry: HeaderEntry,
  bytes: Uint8Array,
  name: string,
  fail: (msg: string, field?: string) => never,
): Tensor {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const dtype = FROM_FILE_DTYPE.get(entry.dtype);
  const widened = WIDENED[entry.dtype];
  const width = dtype ? BYTES_PER_ELEMENT[dtype] : widened?.bytes;
  if (width === undefined) {
    return fail(
      `tensor ${name} has dtype ${entry.dtype}, which Frugal cannot read (F32, F16, BF16, I8, U8, I32, BOOL, F64, I64)`,
      name,
    );
  }
  if (bytes.length !== count * width) {
    fail(
      `tensor ${name} [${entry.shape.join(', ')}] ${entry.dtype} needs ${count * width} bytes, the file gives ${bytes.length}`,
      name,
    );
  }
  if (dtype) {
    const array = allocateStorageArray(dtype, count);
    new Uint8Array(array.buffer, array.byteOffset, bytes.length).set(bytes);
    return new Tensor(new Storage(dtype, array), entry.shape);
  }
  const own = bytes.slice().buffer;
  const wide = entry.dtype === 'F64' ? new Float64Array(own) : new BigInt64Array(own);
  const out = Tensor.empty(widened!.to, entry.shape, 'readSafetensors');
  const dst = out.data;
  for (let i = 0; i < count; i++) {
    const v = Number(wide[i]!);
    if (widened!.to === 'i32' && (v > 2147483647 || v < -2147483648)) {
      fail(`tensor ${name} holds ${v}, outside the int32 range Frugal stores I64 tensors in`, name);
    }
    dst[i] = v;
  }
  return out;
}
