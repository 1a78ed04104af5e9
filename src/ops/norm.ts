import { FrugalError } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertLive, requireFloat, runInto } from './dispatch.js';

function checkFeatureVector(op: string, x: Tensor, v: Tensor | undefined, name: string): void {
  if (!v) return;
  assertLive(op, v);
  const n = x.shape[x.rank - 1];
  if (v.rank !== 1 || v.shape[0] !== n || v.dtype !== x.dtype) {
    throw new FrugalError('E_SHAPE', `${name} must be ${x.dtype} [${n}] (the last axis of x)`, {
      op,
      shapes: [x.shape, v.shape],
    });
  }
}

function checkInput(op: string, x: Tensor, eps: number): void {
  assertLive(op, x);
  requireFloat(op, x);
  if (x.rank === 0)
    throw new FrugalError('E_SHAPE', 'needs at least one dimension', { op, shapes: [x.shape] });
  if (!(eps >= 0)) throw new FrugalError('E_ARG', `eps must be >= 0, got ${eps}`, { op });
}

/** Layer normalization over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNorm(x: Tensor, gamma?: Tensor, beta?: Tensor, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  checkInput(op, x, eps);
  checkFeatureVector(op, x, gamma, 'gamma');
  checkFeatureVector(op, x, beta, 'beta');
  return runInto(op, x.dtype, x.shape, { x, eps, ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) });
}

/**
 * layerNorm(x + residual) in one pass (the post-norm residual join, onnxruntime's SkipLayerNorm);
 * residual has x's shape. For inference: no gradient.
 */
export function addLayerNorm(x: Tensor, residual: Tensor, gamma?: Tensor, beta?: Tensor, eps = 1e-5): Tensor {
  const op = 'addLayerNorm';
  checkInput(op, x, eps);
  assertLive(op, residual);
  if (
    residual.dtype !== x.dtype ||
    residual.rank !== x.rank ||
    residual.shape.some((d, i) => d !== x.shape[i])
  ) {
    throw new FrugalError('E_SHAPE', `residual must be ${x.dtype} [${x.shape}] (the shape of x)`, {
      op,
      shapes: [x.shape, residual.shape],
    });
  }
  checkFeatureVector(op, x, gamma, 'gamma');
  checkFeatureVector(op, x, beta, 'beta');
  return runInto('layerNorm', x.dtype, x.shape, {
    x,
    residual,
    eps,
    ...(gamma ? { gamma } : {}),
    ...(beta ? { beta } : {}),
  });
}

/** RMS normalization over the last axis: x / sqrt(mean(x²) + eps) * gamma. */
export function rmsNorm(x: Tensor, gamma?: Tensor, eps = 1e-6): Tensor {
  const op = 'rmsNorm';
  checkInput(op, x, eps);
  checkFeatureVector(op, x, gamma, 'gamma');
  return runInto(op, x.dtype, x.shape, { x, eps, ...(gamma ? { gamma } : {}) });
}
