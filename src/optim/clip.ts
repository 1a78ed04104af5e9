import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { mul } from '../ops/elementwise.js';
import { keep } from '../tensor/scope.js';

/** L2 norm over all gradients together (computed in f64). */
export function globalGradNorm(params: readonly Variable[]): number {
  let sq = 0;
  for (const p of params) {
    if (!p.grad) continue;
    for (const g of p.grad.toFlatArray()) sq += g * g;
  }
  return Math.sqrt(sq);
}

/**
 * Scales all gradients by maxNorm / norm when their global norm exceeds maxNorm. Returns the
 * norm before clipping. Gradients are replaced, not written in place: one gradient tensor may
 * back several parameters.
 */
export function clipGradNorm(params: readonly Variable[], maxNorm: number): number {
  if (!(maxNorm > 0)) {
    throw new FrugalError('E_ARG', `maxNorm must be > 0, got ${maxNorm}`, {
      op: 'clipGradNorm',
      field: 'maxNorm',
    });
  }
  const norm = globalGradNorm(params);
  if (!Number.isFinite(norm)) {
    throw new FrugalError('E_ARG', `the gradient norm is ${norm}`, {
      op: 'clipGradNorm',
      hint: 'a NaN or infinite gradient: lower the learning rate or check the loss',
    });
  }
  if (norm <= maxNorm) return norm;
  const scale = maxNorm / (norm + 1e-6);
  for (const p of params) {
    if (!p.grad) continue;
    const scaled = keep(mul(p.grad, scale));
    p.grad.dispose();
    p.grad = scaled;
  }
  return norm;
}
