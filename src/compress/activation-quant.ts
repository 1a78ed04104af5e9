/**
 * ZeroQuant token-wise dynamic INT8 activation quantization: every row (token) of x [M, K] gets
 * its own scale max|x_row| / 127, computed at run time, so outlier tokens do not widen the range
 * of the others. Native (AVX2) when available; the TypeScript reference is bit-identical.
 */
import type { NativeAddon } from '../backend/native/binding.js';
import { FrugalError } from '../core/errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { quantAddon } from './native.js';
import { quantizeSpan } from './rounding.js';
import { f32Data } from './tensor-data.js';

export interface TokenQuantized {
  /** i8 [M, K]. */
  codes: Tensor;
  /** f32 [M]: x[i, :] ≈ codes[i, :] · scales[i]. */
  scales: Tensor;
}

export function quantizeRowsReference(
  x: Float32Array,
  rows: number,
  cols: number,
): { codes: Int8Array; scales: Float32Array } {
  const codes = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) scales[r] = quantizeSpan(x, r * cols, (r + 1) * cols, 127, codes);
  return { codes, scales };
}

export function quantizeTokens(x: Tensor): TokenQuantized {
  const op = 'quantizeTokens';
  if (x.dtype !== 'f32' || x.rank !== 2) {
    throw new FrugalError(
      'E_SHAPE',
      `activations must be f32 [tokens, features], got ${x.dtype} [${x.shape}]`,
      {
        op,
        shapes: [x.shape],
      },
    );
  }
  const [rows, cols] = x.shape as [number, number];
  const data = f32Data(x, op);
  const addon = quantAddon();
  if (!addon) {
    const { codes, scales } = quantizeRowsReference(data, rows, cols);
    return { codes: tensor(codes, { shape: [rows, cols] }), scales: tensor(scales, { shape: [rows] }) };
  }
  const codes = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  addon.quantizeRowsI8(rows, cols, data, 0, codes, 0, scales, 0);
  return { codes: tensor(codes, { shape: [rows, cols] }), scales: tensor(scales, { shape: [rows] }) };
}

/** Token-wise INT8 codes shifted to u8 (code + 128), the A operand of the u8 x s8 GEMM. */
export interface TokenQuantizedU8 {
  /** u8 [rows · cols]. */
  codes: Uint8Array;
  /** f32 [rows]. */
  scales: Float32Array;
}

// Q, K and V (and any other Linears fed by one tensor) quantize the same input: the last result
// is kept, keyed by the input tensor's identity. Frugal's ops never write into an existing
// tensor, so the same live tensor object holds the same values.
let lastU8: { source: WeakRef<Tensor>; cols: number; result: TokenQuantizedU8 } | undefined;
// The arrays of a result that lastU8 no longer holds (and those given back by releaseU8), one pair
// per length, reused by the next quantization of that length: a forward then allocates no new
// code arrays (fresh multi-MiB typed arrays cost zeroing and page faults on every layer).
const spareU8 = new Map<number, TokenQuantizedU8>();

/**
 * quantizeTokens for the u8 x s8 path, native only; `x` is f32 [..., cols], contiguous. A second
 * call with the same tensor returns the first call's arrays. The arrays are valid until a call
 * with another tensor (read them, never write them, and do not keep them).
 */
export function quantizeTokensU8(x: Tensor, cols: number, addon: NativeAddon): TokenQuantizedU8 {
  if (lastU8?.source.deref() === x && lastU8.cols === cols && !x.isDisposed) return lastU8.result;
  if (x.dtype !== 'f32' || !x.isContiguous || x.size % cols !== 0) {
    throw new FrugalError(
      'E_SHAPE',
      `activations must be contiguous f32 [..., ${cols}], got ${x.dtype} [${x.shape}]`,
      { op: 'quantizeTokensU8', shapes: [x.shape] },
    );
  }
  const rows = x.size / cols;
  // Taken before the displaced result goes back, so the two never share arrays.
  const result = takeU8(rows, cols);
  addon.quantizeRowsU8(rows, cols, f32Data(x, 'quantizeTokensU8'), 0, result.codes, 0, result.scales, 0);
  rememberU8(x, cols, result);
  return result;
}

/** Code and scale arrays for rows x cols, from the spare pool when it has that size; the values are stale. */
export function takeU8(rows: number, cols: number): TokenQuantizedU8 {
  const spare = spareU8.get(rows * cols);
  spareU8.delete(rows * cols);
  return spare && spare.scales.length === rows
    ? spare
    : { codes: new Uint8Array(rows * cols), scales: new Float32Array(rows) };
}

/** Gives arrays from takeU8 back to the pool; the caller no longer reads them. */
export function releaseU8(arrays: TokenQuantizedU8): void {
  spareU8.set(arrays.codes.length, arrays);
}

/**
 * Makes `result` (from takeU8) the cached quantization of `x` [..., cols], for an op that wrote
 * both at once (a norm with the quantization fused in); quantizeTokensU8(x, cols) then returns it.
 */
export function rememberU8(x: Tensor, cols: number, result: TokenQuantizedU8): void {
  if (lastU8) releaseU8(lastU8.result);
  lastU8 = { source: new WeakRef(x), cols, result };
}
