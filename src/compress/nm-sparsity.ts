/**
 * N:M semi-structured sparsity (NxMiFormer): in every run of M consecutive input features of a
 * weight row at most N are non-zero. Here: the magnitude mask (keep the N largest |w| of each
 * M-block), the packed format (the kept values, [out, in·N/M], plus per value its position inside
 * the block, ceil(log2 M) bits each, packed little-endian like packed-codes.ts), and the ADMM step
 * functions that train towards such a mask: Z = Π(W + U) (projection onto the N:M set),
 * U ← U + W − Z, and the penalty gradient ρ(W − Z + U) added to the task gradient.
 */
import { FrugalError } from '../core/errors.js';

export interface NmPattern {
  n: number;
  m: number;
}

function check(p: NmPattern, inFeatures: number, op: string): void {
  if (!Number.isInteger(p.n) || !Number.isInteger(p.m) || p.n < 1 || p.m < 2 || p.n >= p.m || p.m > 256) {
    throw new FrugalError('E_CONFIG', `N:M pattern ${p.n}:${p.m} needs integers 1 <= N < M <= 256`, {
      op,
      field: 'sparsity',
    });
  }
  if (inFeatures % p.m !== 0) {
    throw new FrugalError('E_SHAPE', `input width ${inFeatures} is not a multiple of M = ${p.m}`, { op });
  }
}

/** 1 where a weight is kept: the N largest |w| of each M-block (ties: the earlier index). */
export function nmMask(w: Float32Array, inFeatures: number, p: NmPattern): Uint8Array {
  check(p, inFeatures, 'nmMask');
  const mask = new Uint8Array(w.length);
  const order = Array.from({ length: p.m }, (_, i) => i);
  for (let b = 0; b < w.length; b += p.m) {
    order.sort((x, y) => Math.abs(w[b + y]!) - Math.abs(w[b + x]!) || x - y);
    for (let i = 0; i < p.n; i++) mask[b + order[i]!] = 1;
  }
  return mask;
}

/** The N:M projection: w with everything outside its magnitude mask set to 0. */
export function projectNm(w: Float32Array, inFeatures: number, p: NmPattern): Float32Array {
  const mask = nmMask(w, inFeatures, p);
  return w.map((v, i) => (mask[i] ? v : 0));
}

export interface NmPacked {
  pattern: NmPattern;
  outFeatures: number;
  inFeatures: number;
  /** The kept values in order, [out, in·N/M]. */
  values: Float32Array;
  /** Position of each kept value inside its M-block, `indexBits` bits each. */
  indices: Uint8Array;
  indexBits: number;
}

export function packNm(w: Float32Array, outFeatures: number, inFeatures: number, p: NmPattern): NmPacked {
  const mask = nmMask(w, inFeatures, p);
  const indexBits = Math.ceil(Math.log2(p.m));
  const kept = (w.length / p.m) * p.n;
  const values = new Float32Array(kept);
  const indices = new Uint8Array(Math.ceil((kept * indexBits) / 8));
  let k = 0;
  for (let b = 0; b < w.length; b += p.m) {
    for (let i = 0; i < p.m; i++) {
      if (!mask[b + i]) continue;
      values[k] = w[b + i]!;
      for (let bit = 0; bit < indexBits; bit++) {
        if ((i >> bit) & 1) indices[(k * indexBits + bit) >> 3]! |= 1 << ((k * indexBits + bit) & 7);
      }
      k++;
    }
  }
  return { pattern: p, outFeatures, inFeatures, values, indices, indexBits };
}

export function unpackNm(packed: NmPacked): Float32Array {
  const { pattern: p, values, indices, indexBits } = packed;
  const out = new Float32Array(packed.outFeatures * packed.inFeatures);
  for (let k = 0; k < values.length; k++) {
    let i = 0;
    for (let bit = 0; bit < indexBits; bit++)
      i |= ((indices[(k * indexBits + bit) >> 3]! >> ((k * indexBits + bit) & 7)) & 1) << bit;
    out[Math.floor(k / p.n) * p.m + i] = values[k]!;
  }
  return out;
}

/** Compression against dense f32: with and without the index metadata (values at `valueBits`). */
export function nmCompression(
  packed: NmPacked,
  valueBits = 32,
): { withMetadata: number; withoutMetadata: number } {
  const dense = packed.outFeatures * packed.inFeatures * 32;
  const valuesBits = packed.values.length * valueBits;
  return {
    withMetadata: dense / (valuesBits + packed.indices.length * 8),
    withoutMetadata: dense / valuesBits,
  };
}

/** ADMM state of one weight: the projected copy Z and the scaled dual U. */
export interface AdmmState {
  z: Float32Array;
  u: Float32Array;
}

/**
 * Maps an N:M-projected weight onto the rest of the constraint set (NxMiFormer: the quantization
 * grid); the identity when only sparsity is constrained.
 */
export type AdmmRound = (projected: Float32Array) => Float32Array;

const noRounding: AdmmRound = (z) => z;

export function admmInit(
  w: Float32Array,
  inFeatures: number,
  p: NmPattern,
  round: AdmmRound = noRounding,
): AdmmState {
  return { z: round(projectNm(w, inFeatures, p)), u: new Float32Array(w.length) };
}

/** The Z and dual updates, run every few optimizer steps: Z = round(Π(W + U)), then U += W − Z. */
export function admmUpdate(
  state: AdmmState,
  w: Float32Array,
  inFeatures: number,
  p: NmPattern,
  round: AdmmRound = noRounding,
): void {
  const z = round(
    projectNm(
      w.map((v, i) => v + state.u[i]!),
      inFeatures,
      p,
    ),
  );
  state.z.set(z);
  for (let i = 0; i < w.length; i++) state.u[i]! += w[i]! - z[i]!;
}

/** Adds the gradient of (ρ/2)‖W − Z + U‖² to grad, in place. */
export function admmPenaltyGrad(state: AdmmState, w: Float32Array, rho: number, grad: Float32Array): void {
  for (let i = 0; i < w.length; i++) grad[i]! += rho * (w[i]! - state.z[i]! + state.u[i]!);
}
