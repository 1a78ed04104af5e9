import { FrugalError } from '../core/errors.js';
import { broadcastShapes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertLive, requireDType, requireSameDType, runInto } from './dispatch.js';

export interface MatmulOptions {
  /** Use a's last two axes transposed (a view; nothing is copied). */
  transA?: boolean;
  transB?: boolean;
}

/**
 * Batched matrix product: a[..., M, K] · b[..., K, N] → [..., M, N], batch dims broadcast.
 * 1-D operands are treated as a row (a) or column (b) vector and that axis is dropped again.
 * Transposed operands (flags, or transposed views) reach the kernels as strides, not copies.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const op = 'matmul';
  assertLive(op, a, b);
  requireSameDType(op, a, b);
  requireDType(op, a, ['f32', 'bf16', 'f16']);
  if (a.rank === 0 || b.rank === 0) {
    throw new FrugalError('E_SHAPE', 'operands must have at least one dimension', {
      op,
      shapes: [a.shape, b.shape],
    });
  }
  const owned: Tensor[] = [];
  try {
    let av = a.rank === 1 ? track(owned, a.unsqueeze(0)) : a;
    let bv = b.rank === 1 ? track(owned, b.unsqueeze(1)) : b;
    if (opts.transA) av = track(owned, av.transpose(-2, -1));
    if (opts.transB) bv = track(owned, bv.transpose(-2, -1));
    const [M, K] = av.shape.slice(-2) as [number, number];
    const [K2, N] = bv.shape.slice(-2) as [number, number];
    if (K !== K2) {
      throw new FrugalError('E_SHAPE', `inner dimensions differ (${K} vs ${K2})`, {
        op,
        shapes: [a.shape, b.shape],
        hint: 'a[..., M, K] · b[..., K, N]; use transA/transB for transposed operands',
      });
    }
    if (bv.rank === 2 && av.rank > 2 && av.isContiguous) {
      // A shared 2-D right operand (nn.Linear weights): fold the batch into M, one GEMM with the
      // weight packed once instead of one small GEMM per batch entry.
      const lead = av.shape.slice(0, -1);
      const flat = track(owned, av.view([lead.reduce((n, d) => n * d, 1), K]));
      const out2 = runInto('matmul', a.dtype, [flat.shape[0]!, N], { a: flat, b: bv });
      const out = out2.view([...lead, N]);
      out2.dispose();
      return out;
    }
    const batch = broadcastShapes(op, av.shape.slice(0, -2), bv.shape.slice(0, -2));
    const ea = track(owned, av.expand([...batch, M, K]));
    const eb = track(owned, bv.expand([...batch, K, N]));
    const out = runInto('matmul', a.dtype, [...batch, M, N], { a: ea, b: eb });
    if (a.rank > 1 && b.rank > 1) return out;
    const shape = [...batch, ...(a.rank > 1 ? [M] : []), ...(b.rank > 1 ? [N] : [])];
    const view = out.view(shape);
    out.dispose();
    return view;
  } finally {
    owned.forEach((t) => {
      t.dispose();
    });
  }
}

function track(list: Tensor[], t: Tensor): Tensor {
  list.push(t);
  return t;
}

export interface QuantizedLinearArgs {
  /** Quantized activations, i8 [M, K]. */
  a: Tensor;
  /** Per-row activation scales, f32 [M]. */
  scaleA: Tensor;
  /** Quantized weights, i8 [N, K] (nn.Linear layout). */
  w: Tensor;
  /** Weight scales, f32 [N] (per output channel) or [N, K / groupSize] (per group). */
  scaleW: Tensor;
  /** K-group size for scaleW; defaults to K (one scale per output channel). */
  groupSize?: number;
  bias?: Tensor;
}

/** f32 [M, N] = (a · wᵀ) with int32 accumulation per group, scaled in the epilogue (+ bias). */
export function quantizedLinear(args: QuantizedLinearArgs): Tensor {
  const op = 'quantizedLinear';
  const { a, w, scaleA, bias } = args;
  assertLive(op, a, w, scaleA, args.scaleW, ...(bias ? [bias] : []));
  requireDType(op, a, ['i8'], 'a');
  requireDType(op, w, ['i8'], 'w');
  requireDType(op, scaleA, ['f32'], 'scaleA');
  requireDType(op, args.scaleW, ['f32'], 'scaleW');
  if (a.rank !== 2 || w.rank !== 2 || a.shape[1] !== w.shape[1]) {
    throw new FrugalError('E_SHAPE', 'needs a [M, K] and w [N, K]', { op, shapes: [a.shape, w.shape] });
  }
  const [M, K] = a.shape as [number, number];
  const N = w.shape[0]!;
  const groupSize = args.groupSize ?? K;
  if (!Number.isInteger(groupSize) || groupSize <= 0 || K % groupSize !== 0) {
    throw new FrugalError('E_ARG', `groupSize ${groupSize} must be a positive divisor of K = ${K}`, {
      op,
      shapes: [a.shape, w.shape],
    });
  }
  const groups = K / groupSize;
  const scaleW = args.scaleW.rank === 1 ? args.scaleW.unsqueeze(1) : args.scaleW;
  try {
    if (scaleA.rank !== 1 || scaleA.shape[0] !== M || scaleW.shape[0] !== N || scaleW.shape[1] !== groups) {
      throw new FrugalError(
        'E_SHAPE',
        `scales must be scaleA [${M}] and scaleW [${N}] or [${N}, ${groups}]`,
        {
          op,
          shapes: [scaleA.shape, args.scaleW.shape],
        },
      );
    }
    if (bias && (bias.rank !== 1 || bias.shape[0] !== N || bias.dtype !== 'f32')) {
      throw new FrugalError('E_SHAPE', `bias must be f32 [${N}]`, { op, shapes: [bias.shape] });
    }
    return runInto('qmatmul', 'f32', [M, N], { a, w, scaleA, scaleW, groupSize, ...(bias ? { bias } : {}) });
  } finally {
    if (scaleW !== args.scaleW) scaleW.dispose();
  }
}
