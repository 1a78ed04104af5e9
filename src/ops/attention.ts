import { FrugalError } from '../core/errors.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertLive, requireDType, requireFloat, requireSameDType, runOp } from './dispatch.js';

export interface AttentionOptions {
  /** bool, broadcastable to [B, H, T, S]; true = may attend. */
  mask?: Tensor;
  /** Query i sees keys j <= i + S - T (the queries are the last T of S positions). */
  causal?: boolean;
  /** Multiplies q · k; default 1 / sqrt(D). */
  scale?: number;
}

/**
 * softmax(q kᵀ · scale, masked) v per head, fused: q [B, H, T, D], k [B, Hkv, S, D],
 * v [B, Hkv, S, Dv] → [B, H, T, Dv]. Hkv may divide H (grouped-query attention: head h reads
 * key/value head h / (H / Hkv)). Hidden keys score -1e9, so a row that sees no key averages all
 * keys, as the unfused where(mask, scores, -1e9) + softmax does. The result is a [B, H, T, Dv]
 * view of [B, T, H, Dv] storage, so merging heads back into [B, T, H·Dv] is free. No gradient:
 * this is the inference path.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: AttentionOptions = {},
): Tensor {
  const op = 'scaledDotProductAttention';
  assertLive(op, q, k, v);
  requireFloat(op, q);
  requireSameDType(op, q, k, v);
  const shapes = [q.shape, k.shape, v.shape];
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new FrugalError('E_SHAPE', 'q, k and v must be [B, H, T, D], [B, Hkv, S, D], [B, Hkv, S, Dv]', {
      op,
      shapes,
      hint: 'split heads first: x.view([B, T, H, D]).permute(0, 2, 1, 3)',
    });
  }
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const [kb, hk, s, kd] = k.shape as [number, number, number, number];
  const [vb, vh, vs, dv] = v.shape as [number, number, number, number];
  if (kb !== b || vb !== b || vh !== hk || vs !== s || kd !== d) {
    throw new FrugalError('E_SHAPE', 'k must be [B, Hkv, S, D] and v [B, Hkv, S, Dv] for q [B, H, T, D]', {
      op,
      shapes,
    });
  }
  if (hk === 0 || h % hk !== 0) {
    throw new FrugalError('E_SHAPE', `query heads (${h}) must be a multiple of key/value heads (${hk})`, {
      op,
      shapes,
    });
  }
  if (s === 0 && t > 0) throw new FrugalError('E_SHAPE', 'attention needs at least one key', { op, shapes });
  if (opts.causal && s < t) {
    throw new FrugalError(
      'E_SHAPE',
      `causal attention needs at least as many keys (${s}) as queries (${t})`,
      {
        op,
        shapes,
      },
    );
  }
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  if (!Number.isFinite(scale)) throw new FrugalError('E_ARG', `scale must be finite, got ${scale}`, { op });
  const full = [b, h, t, s];
  let mask: Tensor | undefined;
  if (opts.mask) {
    assertLive(op, opts.mask);
    requireDType(op, opts.mask, ['bool'], 'mask');
    if (opts.mask.rank > 4) {
      throw new FrugalError('E_SHAPE', 'mask must broadcast to [B, H, T, S]', {
        op,
        shapes: [opts.mask.shape, full],
      });
    }
    const lifted = [...Array<number>(4 - opts.mask.rank).fill(1), ...opts.mask.shape];
    if (broadcastShapes(op, lifted, full).some((n, i) => n !== full[i])) {
      throw new FrugalError('E_SHAPE', 'mask must broadcast to [B, H, T, S]', {
        op,
        shapes: [opts.mask.shape, full],
      });
    }
    mask = opts.mask.expand(full);
  }
  const storage = Tensor.uninitialized(q.dtype, [b, t, h, dv], op);
  const out = storage.permute(0, 2, 1, 3);
  storage.dispose();
  try {
    runOp('attention', { q, k, v, causal: opts.causal ?? false, scale, out, ...(mask ? { mask } : {}) });
  } catch (e) {
    out.dispose();
    throw e;
  } finally {
    mask?.dispose();
  }
  return out;
}
