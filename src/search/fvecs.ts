/**
 * The .fvecs format of the classic ANN data sets (SIFT, GIST): each vector is an int32 dimension
 * followed by that many little-endian f32 values.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';

export interface VectorFile {
  dim: number;
  vectors: Float32Array;
}

export function readFvecs(file: string): VectorFile {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new FrugalError('E_IO', 'cannot read the vector file', { op: 'readFvecs', file, cause: e });
  }
  if (buf.length < 4) throw new FrugalError('E_IO', 'empty .fvecs file', { op: 'readFvecs', file });
  const dim = buf.readInt32LE(0);
  const stride = 4 + 4 * dim;
  if (dim <= 0 || buf.length % stride !== 0)
    throw new FrugalError('E_IO', `size ${buf.length} is not a whole number of ${dim}-d records`, {
      op: 'readFvecs',
      file,
      hint: 'expected .fvecs: per vector an int32 dimension then that many float32 values',
    });
  const n = buf.length / stride;
  const vectors = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    if (buf.readInt32LE(r * stride) !== dim)
      throw new FrugalError(
        'E_IO',
        `record ${r} has dimension ${buf.readInt32LE(r * stride)}, expected ${dim}`,
        {
          op: 'readFvecs',
          file,
        },
      );
    for (let i = 0; i < dim; i++) vectors[r * dim + i] = buf.readFloatLE(r * stride + 4 + 4 * i);
  }
  return { dim, vectors };
}

export async function writeFvecs(file: string, vectors: Float32Array, dim: number): Promise<void> {
  const n = vectors.length / dim;
  const buf = Buffer.alloc(n * (4 + 4 * dim));
  for (let r = 0; r < n; r++) {
    const off = r * (4 + 4 * dim);
    buf.writeInt32LE(dim, off);
    for (let i = 0; i < dim; i++) buf.writeFloatLE(vectors[r * dim + i]!, off + 4 + 4 * i);
  }
  await writeFileAtomic(file, buf);
}
