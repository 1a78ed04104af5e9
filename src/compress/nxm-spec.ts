/**
 * What NxMiFormer assigns to one Linear ("component"): an N:M pattern and a weight width, and what
 * that costs in bytes. The byte count is the one every ratio in the NxM reports uses:
 *   values   = out · in · N/M kept weights at `bits` bits (INT4 codes two per byte),
 *   metadata = one ceil(log2 M)-bit position per kept weight (packed, rounded up to whole bytes),
 *   scales   = one f32 per output row.
 * The f32 baseline is 4 · out · in; biases are excluded from both sides (they stay f32).
 */
import { FrugalError } from '../core/errors.js';
import type { NmPattern } from './nm-sparsity.js';
import { dequantizeValues, quantizeValues } from './weight-quant.js';

export type NxmBits = 8 | 4;

export interface NxmSpec {
  n: number;
  m: number;
  bits: NxmBits;
}

export interface NxmBytes {
  fp32: number;
  values: number;
  metadata: number;
  scales: number;
}

export const specName = (s: NxmSpec): string => `${s.n}:${s.m}/int${s.bits}`;

export const patternOf = (s: NxmSpec): NmPattern => ({ n: s.n, m: s.m });

/** Parses "2:4/int8" (also "2:4/8"): the form used in configs and reports. */
export function parseSpec(text: string, field: string): NxmSpec {
  const match = /^(\d+):(\d+)\/(?:int)?(8|4)$/.exec(text.trim());
  if (!match) {
    throw new FrugalError('E_CONFIG', `"${text}" is not an N:M/bits spec`, {
      op: 'nxm',
      field,
      hint: 'write it as N:M/intB, e.g. "2:4/int8" or "1:4/int4" (bits 8 or 4)',
    });
  }
  const spec = { n: Number(match[1]), m: Number(match[2]), bits: Number(match[3]) as NxmBits };
  if (spec.n < 1 || spec.n >= spec.m || spec.m > 256) {
    throw new FrugalError('E_CONFIG', `N:M pattern ${spec.n}:${spec.m} needs 1 <= N < M <= 256`, {
      op: 'nxm',
      field,
    });
  }
  return spec;
}

export const indexBitsOf = (m: number): number => Math.ceil(Math.log2(m));

export function nxmBytes(outFeatures: number, inFeatures: number, s: NxmSpec): NxmBytes {
  const kept = (outFeatures * inFeatures * s.n) / s.m;
  return {
    fp32: 4 * outFeatures * inFeatures,
    values: Math.ceil((kept * s.bits) / 8),
    metadata: Math.ceil((kept * indexBitsOf(s.m)) / 8),
    scales: 4 * outFeatures,
  };
}

export interface NxmRatio {
  withMetadata: number;
  withoutMetadata: number;
}

/** fp32 bytes over compressed bytes, summed over layers (scales counted on both sides of "metadata"). */
export function nxmRatio(bytes: readonly NxmBytes[]): NxmRatio {
  const sum = (f: (b: NxmBytes) => number) => bytes.reduce((s, b) => s + f(b), 0);
  const fp32 = sum((b) => b.fp32);
  const core = sum((b) => b.values + b.scales);
  return { withMetadata: fp32 / (core + sum((b) => b.metadata)), withoutMetadata: fp32 / core };
}

/**
 * The weight as the compressed layer computes with it: the N:M-kept entries of `masked` (zeros
 * elsewhere) rounded symmetrically per output row to `bits`, dequantized. Zeros stay zero.
 */
export function fakeQuantRows(
  masked: Float32Array,
  outFeatures: number,
  inFeatures: number,
  bits: NxmBits,
): Float32Array {
  const { codes, scales } = quantizeValues(masked, outFeatures, inFeatures, bits, inFeatures);
  return dequantizeValues(codes, scales, inFeatures, inFeatures);
}
