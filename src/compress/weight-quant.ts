/**
 * ZeroQuant group-wise symmetric weight quantization: a Linear weight W [out, in] is cut into
 * groups of `groupSize` consecutive input features per output row, each with its own scale
 * (max|w| / qmax). INT8 codes are stored as i8 [out, in]; INT4 codes packed two per byte as
 * u8 [out, in / 2]. Scales are f32 [out, in / groupSize].
 */
import { FrugalError } from '../core/errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { packInt4, unpackInt4 } from './int4-pack.js';
import { qmaxOf, quantizeSpan } from './rounding.js';
import { f32Data, i8Data, u8Data } from './tensor-data.js';

export type WeightBits = 4 | 8;

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
  /** i8 [out, in] (INT8) or u8 [out, in / 2] (packed INT4). */
  codes: Tensor;
  /** f32 [out, in / groupSize]. */
  scales: Tensor;
}

/** Checks bits and group size against a weight of `inFeatures` columns; returns the group size. */
export function resolveGroupSize(opts: WeightQuantOptions, inFeatures: number, where: string): number {
  const op = 'quantizeWeight';
  if (opts.bits !== 4 && opts.bits !== 8) {
    throw new FrugalError('E_CONFIG', `weights.bits must be 4 or 8, got ${String(opts.bits)}`, {
      op,
      field: 'weights.bits',
    });
  }
  const g = opts.groupSize ?? inFeatures;
  if (!Number.isInteger(g) || g <= 0 || inFeatures % g !== 0 || (opts.bits === 4 && g % 2 !== 0)) {
    throw new FrugalError(
      'E_CONFIG',
      `weights.groupSize ${g} does not fit ${where} (input width ${inFeatures})`,
      {
        op,
        field: 'weights.groupSize',
        hint: `use a positive divisor of ${inFeatures}${opts.bits === 4 ? ' that is even' : ''}, e.g. 64 or 128`,
      },
    );
  }
  return g;
}

/** Codes as one signed integer per weight (INT4 unpacked), [out * in] row-major. */
export function weightCodes(q: QuantizedWeight): Int8Array {
  return q.bits === 8 ? i8Data(q.codes).slice() : unpackInt4(u8Data(q.codes));
}

/** Quantized values and scales of W (f32 [out, in], row-major) as plain arrays. */
export function quantizeValues(
  w: Float32Array,
  outFeatures: number,
  inFeatures: number,
  bits: WeightBits,
  groupSize: number,
): { codes: Int8Array; scales: Float32Array } {
  const qmax = qmaxOf(bits);
  const groups = inFeatures / groupSize;
  const codes = new Int8Array(w.length);
  const scales = new Float32Array(outFeatures * groups);
  for (let r = 0; r < outFeatures; r++) {
    for (let g = 0; g < groups; g++) {
      const start = r * inFeatures + g * groupSize;
      scales[r * groups + g] = quantizeSpan(w, start, start + groupSize, qmax, codes);
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
        : tensor(packInt4(codes), { shape: [outFeatures, inFeatures / 2] }),
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
