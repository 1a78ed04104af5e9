/** Bool attention masks (true = may attend), broadcastable to [B, H, T, S]. */
import { FrugalError } from '../core/errors.js';
import { where } from '../ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';

/** bool [T, S]: query i (the last T of S positions) may attend key j when j <= i + (S - T). */
export function causalMask(t: number, s: number): Tensor {
  if (s < t) {
    throw new FrugalError(
      'E_SHAPE',
      `causal attention needs at least as many keys (${s}) as queries (${t})`,
      {
        op: 'causalMask',
      },
    );
  }
  const m = Tensor.empty('bool', [t, s], 'causalMask');
  const d = m.data;
  const off = s - t;
  for (let i = 0; i < t; i++) for (let j = 0; j <= i + off; j++) d[i * s + j] = 1;
  return m;
}

/** Elementwise a AND b of two bool masks, broadcast. */
export function maskAnd(a: Tensor, b: Tensor): Tensor {
  return where(a, b, 0);
}

/** bool [B, 1, 1, S] from per-sequence lengths: key j of sequence b is real when j < lengths[b]. */
export function paddingMask(lengths: readonly number[], s: number): Tensor {
  const m = Tensor.empty('bool', [lengths.length, 1, 1, s], 'paddingMask');
  const d = m.data;
  lengths.forEach((len, b) => {
    if (!Number.isInteger(len) || len < 1 || len > s) {
      throw new FrugalError('E_ARG', `length ${len} of sequence ${b} must be in [1, ${s}]`, {
        op: 'paddingMask',
        field: 'lengths',
      });
    }
    d.fill(1, b * s, b * s + len);
  });
  return m;
}
