import { LINEAR_ACTIVATIONS, type LinearActivation, type WeightCache } from '../backend/types.js';
import { FrugalError } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertLive, requireFloat, requireSameDType, runInto } from './dispatch.js';
import { contiguous } from './shape-ops.js';

export type { LinearActivation, WeightCache };

export interface LinearOptions {
  /** Applied to each output tile inside the kernel (BERT's up-projection: 'gelu_erf'). */
  activation?: LinearActivation;
  /**
   * Lets the backend keep a packed copy of `weight` between calls (inference: the native backend
   * then skips per-call packing). Reuse one object per weight; replace it (`{}`) whenever the
   * weight's data may have been written in place.
   */
  cache?: WeightCache;
}

/**
 * act(x[..., K] · weight[N, K]ᵀ + bias[N]) → [..., N] in one kernel (the native one applies bias
 * and activation while each output tile is in cache instead of in passes over a fresh output).
 * For inference: no gradient.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, opts: LinearOptions = {}): Tensor {
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
  if (opts.activation !== undefined && !(LINEAR_ACTIVATIONS as readonly string[]).includes(opts.activation)) {
    throw new FrugalError(
      'E_ARG',
      `activation must be one of ${LINEAR_ACTIVATIONS.join(', ')}, got ${opts.activation}`,
      {
        op,
        field: 'activation',
      },
    );
  }
  const dense = x.isContiguous ? x : contiguous(x);
  const rows = dense.view([dense.size / Math.max(k!, 1), k!]);
  try {
    const out = runInto('linear', x.dtype, [rows.shape[0]!, n], {
      x: rows,
      weight,
      ...(bias ? { bias } : {}),
      ...(opts.activation ? { activation: opts.activation } : {}),
      ...(opts.cache ? { cache: opts.cache } : {}),
    });
    const shaped = out.view([...x.shape.slice(0, -1), n]);
    out.dispose();
    return shaped;
  } finally {
    rows.dispose();
    if (dense !== x) dense.dispose();
  }
}
