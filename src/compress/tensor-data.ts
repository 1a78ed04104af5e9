/**
 * Row-major element arrays of tensors without per-element decoding: a contiguous tensor gives a
 * view of its storage (no copy), anything else is made contiguous first.
 */
import { FrugalError } from '../core/errors.js';
import { contiguous } from '../ops/shape-ops.js';
import type { Tensor } from '../tensor/tensor.js';

function elements<A extends Float32Array | Int8Array | Uint8Array>(t: Tensor, dtype: string, op: string): A {
  if (t.dtype !== dtype) {
    throw new FrugalError('E_DTYPE', `expected a ${dtype} tensor, got ${t.dtype} [${t.shape}]`, { op });
  }
  if (t.isContiguous) return (t.data as A).subarray(t.offset, t.offset + t.size) as A;
  const c = contiguous(t);
  const copy = (c.data as A).slice(c.offset, c.offset + c.size) as A;
  c.dispose();
  return copy;
}

export const f32Data = (t: Tensor, op = 'f32Data'): Float32Array => elements<Float32Array>(t, 'f32', op);
export const i8Data = (t: Tensor, op = 'i8Data'): Int8Array => elements<Int8Array>(t, 'i8', op);
export const u8Data = (t: Tensor, op = 'u8Data'): Uint8Array => elements<Uint8Array>(t, 'u8', op);
