/** Shared checks and conversions of the i32 id and mask tensors the models take. */
import { FrugalError } from '../core/errors.js';
import { cast, div, ne, reshape, sum } from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';

/** Throws unless `ids` is i32 [B, T] with 1 <= T <= maxT; returns [B, T]. */
export function checkIds(
  op: string,
  field: string,
  ids: Tensor,
  maxT = Number.POSITIVE_INFINITY,
): [number, number] {
  if (ids.dtype !== 'i32' || ids.rank !== 2 || ids.shape[1] === 0) {
    throw new FrugalError(
      'E_SHAPE',
      `${field} must be i32 [B, T] with T > 0, got ${ids.dtype} [${ids.shape}]`,
      {
        op,
        field,
        shapes: [ids.shape],
      },
    );
  }
  const [b, t] = ids.shape as [number, number];
  if (t > maxT) {
    throw new FrugalError('E_SHAPE', `${field} has ${t} positions, the model supports at most ${maxT}`, {
      op,
      field,
      shapes: [ids.shape],
      hint: 'truncate the input or raise maxPositions',
    });
  }
  return [b, t];
}

function checkMaskShape(op: string, mask: Tensor, b: number, s: number): void {
  if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== s) {
    throw new FrugalError('E_SHAPE', `attentionMask must be [${b}, ${s}] like the ids`, {
      op,
      field: 'attentionMask',
      shapes: [mask.shape],
    });
  }
}

/** i32 [B, S] attention mask (1 = token, 0 = padding) → bool [B, 1, 1, S] key mask. */
export function keyMask(op: string, mask: Tensor, b: number, s: number): Tensor {
  checkMaskShape(op, mask, b, s);
  const r = reshape(mask, [b, 1, 1, s]);
  const m = ne(r, 0);
  r.dispose();
  return m;
}

/**
 * i32 [B, S] attention mask → f32 [B, S, 1] weights that average the kept positions of each row
 * (mean pooling). A row that keeps no position has no mean: that is an error, not a zero vector.
 */
export function meanPoolWeights(op: string, mask: Tensor, b: number, s: number): Tensor {
  checkMaskShape(op, mask, b, s);
  const kept = ne(mask, 0);
  const f = cast(kept, 'f32');
  kept.dispose();
  const counts = sum(f, { axis: 1, keepDims: true });
  const empty = counts.toFloat32Array().indexOf(0);
  if (empty >= 0) {
    f.dispose();
    counts.dispose();
    throw new FrugalError('E_SHAPE', `attentionMask row ${empty} keeps no token, so it has no mean`, {
      op,
      field: 'attentionMask',
      shapes: [mask.shape],
      hint: 'every sequence needs at least one token with mask 1',
    });
  }
  const w = div(f, counts);
  f.dispose();
  counts.dispose();
  const out = reshape(w, [b, s, 1]);
  w.dispose();
  return out;
}
