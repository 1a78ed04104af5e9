/**
 * The u8 x s8 INT8 linear (the MLAS / oneDNN trick for AVX2 without VNNI): activations enter as
 * u8 = int8 code + 128, weights as s8 prepacked once per layer, and vpmaddubsw multiplies 32 byte
 * pairs per instruction. Its int16 pair sums saturate unless every |w| <= 64, so this path takes
 * 7-bit weight codes only (quantizeWeight7Bit, qmax 63); the +128 shift is removed in the epilogue
 * with comp[j] = 128 · sum_k w[j, k]. The reference below follows the kernel's f32 order, so the
 * two agree bit for bit.
 */

import type { NativeAddon } from '../backend/native/binding.js';
import { FrugalError } from '../core/errors.js';
import type { LinearActivation } from '../ops/linear.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { quantizeSpan } from './rounding.js';
import { f32Data } from './tensor-data.js';
import type { QuantizedWeight } from './weight-quant.js';

/** The largest |code| for which vpmaddubsw's int16 pair sums cannot saturate (255 · 64 · 2 < 2^15). */
export const U8S8_MAX_CODE = 64;
/** The 7-bit symmetric range used when quantizing for this path. */
export const SEVEN_BIT_QMAX = 63;

/** A weight prepacked for gemmU8S8: panels of 16 output rows, comp padded likewise. */
export interface U8S8Pack {
  n: number;
  k: number;
  packed: Int8Array;
  comp: Int32Array;
}

export function fitsU8S8(codes: Int8Array): boolean {
  for (let i = 0; i < codes.length; i++) if (Math.abs(codes[i]!) > U8S8_MAX_CODE) return false;
  return true;
}

/** Per-output-row 7-bit symmetric INT8 weights (codes in [-63, 63], stored as i8). */
export function quantizeWeight7Bit(w: Tensor, where = 'the weight'): QuantizedWeight {
  if (w.dtype !== 'f32' || w.rank !== 2) {
    throw new FrugalError('E_SHAPE', `${where} must be f32 [out, in], got ${w.dtype} [${w.shape}]`, {
      op: 'quantizeWeight7Bit',
      shapes: [w.shape],
    });
  }
  const [outFeatures, inFeatures] = w.shape as [number, number];
  const values = f32Data(w, 'quantizeWeight7Bit');
  const codes = new Int8Array(values.length);
  const scales = new Float32Array(outFeatures);
  for (let r = 0; r < outFeatures; r++) {
    scales[r] = quantizeSpan(values, r * inFeatures, (r + 1) * inFeatures, SEVEN_BIT_QMAX, codes);
  }
  return {
    bits: 8,
    groupSize: inFeatures,
    outFeatures,
    inFeatures,
    codes: tensor(codes, { shape: [outFeatures, inFeatures] }),
    scales: tensor(scales, { shape: [outFeatures, 1] }),
  };
}

export function packU8S8(addon: NativeAddon, codes: Int8Array, n: number, k: number): U8S8Pack {
  const packed = new Int8Array(addon.gemmU8S8PackedSize(n, k));
  const comp = new Int32Array(Math.ceil(n / 16) * 16);
  addon.packWeightsU8S8(n, k, codes, 0, packed, comp);
  return { n, k, packed, comp };
}

export interface U8S8Problem {
  m: number;
  n: number;
  k: number;
  /** u8 [m, k]: int8 codes + 128. */
  a: Uint8Array;
  /** f32 [m]. */
  scaleA: Float32Array;
  /** i8 [n, k], |w| <= 64. */
  w: Int8Array;
  /** f32 [n]: one scale per output row. */
  scaleW: Float32Array;
  bias: Float32Array | undefined;
}

export function u8s8LinearReference(p: U8S8Problem): Float32Array {
  const { m, n, k } = p;
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += (p.a[i * k + t]! - 128) * p.w[j * k + t]!;
      const v = Math.fround(Math.fround(Math.fround(acc) * p.scaleA[i]!) * p.scaleW[j]!);
      out[i * n + j] = p.bias ? Math.fround(v + p.bias[j]!) : v;
    }
  }
  return out;
}

function checkOperands(
  pack: U8S8Pack,
  a: Uint8Array,
  m: number,
  scaleW: Float32Array,
  bias: Float32Array | undefined,
  outLength: number,
): void {
  if (
    a.length !== m * pack.k ||
    scaleW.length !== pack.n ||
    (bias && bias.length !== pack.n) ||
    outLength < m * pack.n
  ) {
    throw new FrugalError(
      'E_SHAPE',
      `u8s8Linear needs a [${m}, ${pack.k}], scaleW [${pack.n}], bias [${pack.n}] and out [${m}, ${pack.n}] for the packed weight [${pack.n}, ${pack.k}]`,
      { op: 'u8s8Linear' },
    );
  }
}

/** Writes the layer's output f32 [m, n] into `out` (the caller allocates it, from the tensor pool). */
export function u8s8Linear(
  addon: NativeAddon,
  pack: U8S8Pack,
  a: Uint8Array,
  scaleA: Float32Array,
  scaleW: Float32Array,
  bias: Float32Array | undefined,
  out: Float32Array,
  activation: LinearActivation | 'none' = 'none',
): void {
  checkOperands(pack, a, scaleA.length, scaleW, bias, out.length);
  addon.gemmU8S8(
    scaleA.length,
    pack.n,
    pack.k,
    a,
    0,
    pack.packed,
    pack.comp,
    out,
    0,
    scaleA,
    scaleW,
    bias ?? null,
    activation,
  );
}

/**
 * The layer's output quantized token-wise for the next u8 x s8 layer (the codes and scales
 * quantizeTokensU8 would give for u8s8Linear's output), written into `into` [m, n] / [m].
 */
export function u8s8LinearQuantized(
  addon: NativeAddon,
  pack: U8S8Pack,
  a: Uint8Array,
  scaleA: Float32Array,
  scaleW: Float32Array,
  bias: Float32Array | undefined,
  into: { codes: Uint8Array; scales: Float32Array },
  activation: LinearActivation | 'none' = 'none',
): void {
  const m = scaleA.length;
  checkOperands(pack, a, m, scaleW, bias, into.scales.length === m ? into.codes.length : -1);
  addon.gemmU8S8Quant(
    m,
    pack.n,
    pack.k,
    a,
    0,
    pack.packed,
    pack.comp,
    into.codes,
    0,
    into.scales,
    scaleA,
    scaleW,
    bias ?? null,
    activation,
  );
}
