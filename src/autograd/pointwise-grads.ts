/**
 * Derivatives that have no closed form over the available ops (erf is not an op), computed
 * elementwise in f32 over typed arrays: dx = g * f'(x).
 */
import { cast } from '../ops/elementwise.js';
import { contiguous } from '../ops/shape-ops.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { nativeActGrad } from './native-grads.js';

function asF32(t: Tensor): Float32Array {
  const c = contiguous(t);
  try {
    if (c.dtype === 'f32') return (c.data as Float32Array).slice(c.offset, c.offset + c.size);
    return c.toFloat32Array();
  } finally {
    c.dispose();
  }
}

function mapGrad(x: Tensor, g: Tensor, fprime: (v: number) => number): Tensor {
  const xs = asF32(x);
  const gs = asF32(g);
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = gs[i]! * fprime(xs[i]!);
  const t = tensor(out, { shape: x.shape });
  if (x.dtype === 'f32') return t;
  const c = cast(t, x.dtype);
  t.dispose();
  return c;
}

/** erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26), below f32 resolution near 1. */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function geluTanhGrad(x: Tensor, g: Tensor): Tensor {
  return nativeActGrad('gelu_tanh', x, g) ?? geluTanhGradTs(x, g);
}

export function geluErfGrad(x: Tensor, g: Tensor): Tensor {
  return nativeActGrad('gelu_erf', x, g) ?? geluErfGradTs(x, g);
}

export function siluGrad(x: Tensor, g: Tensor): Tensor {
  return nativeActGrad('silu', x, g) ?? siluGradTs(x, g);
}

/** The TypeScript forms: the fallback without the addon and the oracle for the kernels. */
export function geluTanhGradTs(x: Tensor, g: Tensor): Tensor {
  return mapGrad(x, g, (v) => {
    const u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
    const t = Math.tanh(u);
    return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
  });
}

export function geluErfGradTs(x: Tensor, g: Tensor): Tensor {
  return mapGrad(x, g, (v) => 0.5 * (1 + erf(v / Math.SQRT2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
}

export function siluGradTs(x: Tensor, g: Tensor): Tensor {
  return mapGrad(x, g, (v) => {
    const s = 1 / (1 + Math.exp(-v));
    return s * (1 + v * (1 - s));
  });
}
