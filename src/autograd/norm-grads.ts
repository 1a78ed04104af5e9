/** Backward of layer and RMS normalization over the last axis (statistics recomputed from x). */
import { add, mul, rsqrt, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';
import { nativeNormGrad } from './native-grads.js';
import { reduceTo } from './reduce-to.js';

const LAST = { axis: -1, keepDims: true } as const;

/** Returns [dx, dgamma?, dbeta?]: one native pass when it can, else the op-composed form. */
export function layerNormGrad(
  x: Tensor,
  gamma: Tensor | undefined,
  g: Tensor,
  eps: number,
  hasBeta: boolean,
): (Tensor | null)[] {
  return nativeNormGrad(false, x, gamma, g, eps, hasBeta) ?? layerNormGradOps(x, gamma, g, eps, hasBeta);
}

export function rmsNormGrad(x: Tensor, gamma: Tensor | undefined, g: Tensor, eps: number): (Tensor | null)[] {
  return nativeNormGrad(true, x, gamma, g, eps, false)?.slice(0, 2) ?? rmsNormGradOps(x, gamma, g, eps);
}

/** The op-composed forms (the caller's tidy() frees the intermediates): fallback and oracle. */
export function layerNormGradOps(
  x: Tensor,
  gamma: Tensor | undefined,
  g: Tensor,
  eps: number,
  hasBeta: boolean,
): (Tensor | null)[] {
  const xc = sub(x, mean(x, LAST));
  const rstd = rsqrt(add(mean(mul(xc, xc), LAST), eps));
  const xhat = mul(xc, rstd);
  const dxhat = gamma ? mul(g, gamma) : g;
  const dx = mul(rstd, sub(sub(dxhat, mean(dxhat, LAST)), mul(xhat, mean(mul(dxhat, xhat), LAST))));
  const c = [x.shape[x.rank - 1]!];
  return [dx, gamma ? reduceTo(mul(g, xhat), c) : null, hasBeta ? reduceTo(g, c) : null];
}

export function rmsNormGradOps(
  x: Tensor,
  gamma: Tensor | undefined,
  g: Tensor,
  eps: number,
): (Tensor | null)[] {
  const rr = rsqrt(add(mean(mul(x, x), LAST), eps));
  const xhat = mul(x, rr);
  const dxhat = gamma ? mul(g, gamma) : g;
  const dx = mul(rr, sub(dxhat, mul(xhat, mean(mul(dxhat, xhat), LAST))));
  return [dx, gamma ? reduceTo(mul(g, xhat), [x.shape[x.rank - 1]!]) : null];
}
