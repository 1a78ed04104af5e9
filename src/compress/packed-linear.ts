/**
 * Low-bit-weight x INT8-activation linear (INT4, ternary, binary weights): f32 [M, N] = sum over
 * k-groups of int32 dot products, scaled in the epilogue by the token scale and the group scale
 * (+ bias). Native gemmPacked reads the packed codes directly; the reference below follows the same
 * f32 operation order.
 */
import { FrugalError } from '../core/errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { quantAddon } from './native.js';
import { type PackedBits, unpackCodes } from './packed-codes.js';
import { f32Data, i8Data, u8Data } from './tensor-data.js';

export interface PackedLinearArgs {
  bits: PackedBits;
  /** i8 [M, K] token-quantized activations. */
  a: Tensor;
  /** f32 [M]. */
  scaleA: Tensor;
  /** u8 [N, K · bits / 8] packed codes. */
  w: Tensor;
  /** f32 [N, K / groupSize]. */
  scaleW: Tensor;
  groupSize: number;
  bias?: Tensor;
}

export interface PackedProblem {
  bits: PackedBits;
  m: number;
  n: number;
  k: number;
  a: Int8Array;
  scaleA: Float32Array;
  w: Uint8Array;
  scaleW: Float32Array;
  groupSize: number;
  bias: Float32Array | undefined;
}

export function packedLinearReference(p: PackedProblem): Float32Array {
  const { m, n, k, groupSize } = p;
  const groups = k / groupSize;
  const w = unpackCodes(p.w, p.bits);
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const sa = p.scaleA[i]!;
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let g = 0; g < groups; g++) {
        let dot = 0;
        for (let t = g * groupSize; t < (g + 1) * groupSize; t++) dot += p.a[i * k + t]! * w[j * k + t]!;
        const v = Math.fround(Math.fround(Math.fround(dot) * sa) * p.scaleW[j * groups + g]!);
        acc = g === 0 ? Math.fround(v + (p.bias ? p.bias[j]! : 0)) : Math.fround(acc + v);
      }
      out[i * n + j] = groups === 0 ? (p.bias?.[j] ?? 0) : acc;
    }
  }
  return out;
}

function problemOf(args: PackedLinearArgs): PackedProblem {
  const op = 'packedLinear';
  const { bits, a, w, scaleA, scaleW, groupSize, bias } = args;
  if (
    a.rank !== 2 ||
    w.rank !== 2 ||
    a.dtype !== 'i8' ||
    w.dtype !== 'u8' ||
    w.shape[1]! * 8 !== a.shape[1]! * bits
  ) {
    throw new FrugalError(
      'E_SHAPE',
      `needs a i8 [M, K] and w u8 [N, K * ${bits} / 8] (packed ${bits}-bit codes)`,
      {
        op,
        shapes: [a.shape, w.shape],
      },
    );
  }
  const [m, k] = a.shape as [number, number];
  const n = w.shape[0]!;
  const align = bits === 4 ? 2 : 8;
  if (!Number.isInteger(groupSize) || groupSize <= 0 || groupSize % align !== 0 || k % groupSize !== 0) {
    throw new FrugalError(
      'E_ARG',
      `groupSize ${groupSize} must be a multiple of ${align} dividing K = ${k}`,
      { op },
    );
  }
  const groups = k / groupSize;
  if (scaleA.size !== m || scaleW.size !== n * groups || (bias && bias.size !== n)) {
    throw new FrugalError('E_SHAPE', `scales must be scaleA [${m}], scaleW [${n}, ${groups}], bias [${n}]`, {
      op,
      shapes: [scaleA.shape, scaleW.shape, ...(bias ? [bias.shape] : [])],
    });
  }
  return {
    bits,
    m,
    n,
    k,
    a: i8Data(a, op),
    scaleA: f32Data(scaleA, op),
    w: u8Data(w, op),
    scaleW: f32Data(scaleW, op),
    groupSize,
    bias: bias ? f32Data(bias, op) : undefined,
  };
}

export function packedLinear(args: PackedLinearArgs): Tensor {
  const p = problemOf(args);
  const addon = quantAddon();
  if (!addon) return tensor(packedLinearReference(p), { shape: [p.m, p.n] });
  const out = new Float32Array(p.m * p.n);
  const w = new Int8Array(p.w.buffer, p.w.byteOffset, p.w.length);
  addon.gemmPacked(
    p.bits,
    p.m,
    p.n,
    p.k,
    p.a,
    0,
    w,
    0,
    out,
    0,
    p.scaleA,
    p.scaleW,
    p.bias ?? null,
    p.groupSize,
  );
  return tensor(out, { shape: [p.m, p.n] });
}
