/**
 * Group-wise weight quantization: a Linear weight W [out, in] is cut into groups of `groupSize`
 * consecutive input features per output row, each with its own scale.
 *  - INT8 / INT4 (ZeroQuant): symmetric, scale max|w| / qmax, codes round(w / scale).
 *  - bits 2, ternary (XTC, after TWN): threshold 0.7 · mean|w| of the group; entries above it keep
 *    their sign (±1), the rest become 0; scale = mean |w| over the kept entries.
 *  - bits 1, binary (XTC, after BWN): code sign(w) (0 counts as +1), scale = mean |w|.
 * INT8 codes are stored as i8 [out, in]; lower widths packed as u8 [out, in · bits / 8]
 * (packed-codes.ts). Scales are f32 [out, in / groupSize].
 */
import { FrugalError } from '../core/errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { packCodes, unpackCodes } from './packed-codes.js';
import { qmaxOf, quantizeSpan } from './rounding.js';
import { f32Data, i8Data, u8Data } from './tensor-data.js';

export type WeightBits = 8 | 4 | 2 | 1;

export const TERNARY_THRESHOLD = 0.7;

export interface WeightQuantOptions {
  bits: WeightBits;
  /** Input features per scale; must divide the input width (and be even for INT4). Default: the whole row. */
  groupSize?: number;
}

export interface QuantizedWeight {
  bits: WeightBits;
  groupSize: number;
  outFeatures: number;
  inFeatures: number;
  /** i8 [out, in] (INT8) or u8 [out, in · bits / 8] (packed). */
  codes: Tensor;
  /** f32 [out, in / groupSize]. */
  scales: Tensor;
}

/** Checks bits and group size against a weight of `inFeatures` columns; returns the group size. */
export function resolveGroupSize(opts: WeightQuantOptions, inFeatures: number, where: string): number {
  const op = 'quantizeWeight';
  if (![8, 4, 2, 1].includes(opts.bits)) {
    throw new FrugalError(
      'E_CONFIG',
      `weights.bits must be 8, 4, 2 (ternary) or 1 (binary), got ${String(opts.bits)}`,
      {
        op,
        field: 'weights.bits',
      },
    );
  }
  const g = opts.groupSize ?? inFeatures;
  const align = opts.bits === 8 ? 1 : opts.bits === 4 ? 2 : 8;
  if (!Number.isInteger(g) || g <= 0 || inFeatures % g !== 0 || g % align !== 0) {
    throw new FrugalError(
      'E_CONFIG',
      `weights.groupSize ${g} does not fit ${where} (input width ${inFeatures})`,
      {
        op,
        field: 'weights.groupSize',
        hint: `use a positive divisor of ${inFeatures}${align > 1 ? ` that is a multiple of ${align}` : ''}, e.g. 64 or 128`,
      },
    );
  }
  return g;
}

/** Codes as one signed integer per weight (INT4 unpacked), [out * in] row-major. */
export function weightCodes(q: QuantizedWeight): Int8Array {
  return q.bits === 8 ? i8Data(q.codes).slice() : unpackCodes(u8Data(q.codes), q.bits);
}

/** XTC ternary / binary codes of values[start, end) into out; returns the scale. */
function lowBitSpan(values: Float32Array, start: number, end: number, bits: 2 | 1, out: Int8Array): number {
  let sumAbs = 0;
  for (let i = start; i < end; i++) sumAbs += Math.abs(values[i]!);
  if (bits === 1) {
    for (let i = start; i < end; i++) out[i] = values[i]! >= 0 ? 1 : -1;
    return Math.fround(sumAbs / (end - start));
  }
  const threshold = (TERNARY_THRESHOLD * sumAbs) / (end - start);
  let keptAbs = 0;
  let kept = 0;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (Math.abs(v) > threshold) {
      out[i] = v > 0 ? 1 : -1;
      keptAbs += Math.abs(v);
      kept++;
    } else out[i] = 0;
  }
  return kept === 0 ? 0 : Math.fround(keptAbs / kept);
}

/** Quantized values and scales of W (f32 [out, in], row-major) as plain arrays. */
export function quantizeValues(
  w: Float32Array,
  outFeatures: number,
  inFeatures: number,
  bits: WeightBits,
  groupSize: number,
): { codes: Int8Array; scales: Float32Array } {
  const groups = inFeatures / groupSize;
  const codes = new Int8Array(w.length);
  const scales = new Float32Array(outFeatures * groups);
  for (let r = 0; r < outFeatures; r++) {
    for (let g = 0; g < groups; g++) {
      const start = r * inFeatures + g * groupSize;
      const end = start + groupSize;
      scales[r * groups + g] =
        bits === 2 || bits === 1
          ? lowBitSpan(w, start, end, bits, codes)
          : quantizeSpan(w, start, end, qmaxOf(bits), codes);
    }
  }
  return { codes, scales };
}

export function quantizeWeight(w: Tensor, opts: WeightQuantOptions, where = 'the weight'): QuantizedWeight {
  if (w.dtype !== 'f32' || w.rank !== 2) {
    throw new FrugalError('E_SHAPE', `${where} must be f32 [out, in], got ${w.dtype} [${w.shape}]`, {
      op: 'quantizeWeight',
      shapes: [w.shape],
    });
  }
  const [outFeatures, inFeatures] = w.shape as [number, number];
  const groupSize = resolveGroupSize(opts, inFeatures, where);
  const { codes, scales } = quantizeValues(
    f32Data(w, 'quantizeWeight'),
    outFeatures,
    inFeatures,
    opts.bits,
    groupSize,
  );
  return {
    bits: opts.bits,
    groupSize,
    outFeatures,
    inFeatures,
    codes:
      opts.bits === 8
        ? tensor(codes, { shape: [outFeatures, inFeatures] })
        : tensor(packCodes(codes, opts.bits), { shape: [outFeatures, (inFeatures * opts.bits) / 8] }),
    scales: tensor(scales, { shape: [outFeatures, inFeatures / groupSize] }),
  };
}

/** W ≈ code · scale, f32 [out, in]. */
export function dequantizeValues(
  codes: Int8Array,
  scales: Float32Array,
  inFeatures: number,
  groupSize: number,
): Float32Array {
  const out = new Float32Array(codes.length);
  const groups = inFeatures / groupSize;
  for (let i = 0; i < codes.length; i++) {
    const r = Math.floor(i / inFeatures);
    const g = Math.floor((i % inFeatures) / groupSize);
    out[i] = Math.fround(codes[i]! * scales[r * groups + g]!);
  }
  return out;
}

export function dequantizeWeight(q: QuantizedWeight): Tensor {
  const values = dequantizeValues(weightCodes(q), f32Data(q.scales), q.inFeatures, q.groupSize);
  return tensor(values, { shape: [q.outFeatures, q.inFeatures] });
}

/** Bytes of the quantized weight: codes plus scales. */
export function quantizedWeightBytes(q: QuantizedWeight): number {
  return q.codes.size + q.scales.size * 4;
}
