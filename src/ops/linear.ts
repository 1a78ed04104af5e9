import { FrugalError } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertLive, requireFloat, requireSameDType, runInto } from './dispatch.js';
import { contiguous } from './shape-ops.js';

/**
 * x[..., K] · weight[N, K]ᵀ + bias[N] → [..., N] in one kernel (the native one adds the bias inside
 * the GEMM instead of in a second pass over a fresh output). For inference: no gradient.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const op = 'linear';
  assertLive(op, x, weight, ...(bias ? [bias] : []));
  requireFloat(op, x);
  requireSameDType(op, x, weight, ...(bias ? [bias] : []));
  const k = x.shape[x.rank - 1];
  if (x.rank === 0 || weight.rank !== 2 || weight.shape[1] !== k) {
    throw new FrugalError('E_SHAPE', 'needs x [..., K] and weight [N, K]', {
      op,
      shapes: [x.shape, weight.shape],
    });
  }
  const n = weight.shape[0]!;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) {
    throw new FrugalError('E_SHAPE', `bias must be [${n}] (weight rows)`, {
      op,
      shapes: [weight.shape, bias.shape],
    });
  }
  const dense = x.isContiguous ? x : contiguous(x);
  const rows = dense.view([dense.size / Math.max(k!, 1), k!]);
  try {
    const out = runInto('linear', x.dtype, [rows.shape[0]!, n], {
      x: rows,
      weight,
      ...(bias ? { bias } : {}),
    });
    const shaped = out.view([...x.shape.slice(0, -1), n]);
    out.dispose();
    return shaped;
  } finally {
    rows.dispose();
    if (dense !== x) dense.dispose();
  }
}
