/**
 * ZeroQuant token-wise dynamic INT8 activation quantization: every row (token) of x [M, K] gets
 * its own scale max|x_row| / 127, computed at run time, so outlier tokens do not widen the range
 * of the others. Native (AVX2) when available; the TypeScript reference is bit-identical.
 */
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
