/**
 * Fused native backward kernels for the rules whose op-by-op form is slow: activation
 * derivatives, layer / RMS norm and softmax / log-softmax backward. Each helper returns undefined when the addon (or
 * the native backend) is not in use or the tensors are not contiguous f32, and the rule then
 * runs its TypeScript or op-composed form, which stays the oracle the kernels are tested against.
 */
import { loadNative, type NativeAddon } from '../backend/native/binding.js';
import { isBackendActive } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';

function kernels(...ts: (Tensor | undefined)[]): NativeAddon | undefined {
  if (!ts.every((t) => t === undefined || (t.dtype === 'f32' && t.isContiguous))) return undefined;
  const native = loadNative();
  if (!native.available) return undefined;
  const { addon } = native;
  const uses = [addon.actGradF32, addon.normGradRowsF32, addon.softmaxGradRowsF32];
  if (!uses.every((f) => typeof f === 'function')) return undefined;
  return isBackendActive('native') ? addon : undefined;
}

const f32 = (t: Tensor) => t.data as Float32Array;
const cols = (t: Tensor) => f32(t).subarray(t.offset, t.offset + t.size);

/** g * f'(x) for x and g of one shape. */
export function nativeActGrad(
  op: 'gelu_tanh' | 'gelu_erf' | 'silu',
  x: Tensor,
  g: Tensor,
): Tensor | undefined {
  const addon = kernels(x, g);
  if (!addon || g.size !== x.size) return undefined;
  const out = Tensor.empty('f32', x.shape, 'actGrad');
  addon.actGradF32(op, f32(x), x.offset, f32(g), g.offset, f32(out), out.offset, x.size);
  return out;
}

/** [dx, dgamma | null, dbeta | null] of a norm over the last axis, or undefined (see above). */
export function nativeNormGrad(
  rms: boolean,
  x: Tensor,
  gamma: Tensor | undefined,
  g: Tensor,
  eps: number,
  hasBeta: boolean,
): (Tensor | null)[] | undefined {
  const addon = kernels(x, gamma, g);
  if (!addon || g.size !== x.size || x.rank === 0) return undefined;
  const c = x.shape[x.rank - 1]!;
  const dx = Tensor.empty('f32', x.shape, 'normGrad');
  const dgamma = gamma ? Tensor.empty('f32', [c], 'normGrad') : null;
  const dbeta = hasBeta && !rms ? Tensor.empty('f32', [c], 'normGrad') : null;
  addon.normGradRowsF32(
    rms,
    f32(x),
    x.offset,
    c === 0 ? 0 : x.size / c,
    c,
    gamma ? cols(gamma) : null,
    f32(g),
    g.offset,
    eps,
    f32(dx),
    dx.offset,
    dgamma ? cols(dgamma) : null,
    dbeta ? cols(dbeta) : null,
  );
  return [dx, dgamma, dbeta];
}

/** Softmax (or log-softmax) backward along the last axis from the forward output y. */
export function nativeSoftmaxGrad(log: boolean, y: Tensor, g: Tensor, axis: number): Tensor | undefined {
  const addon = kernels(y, g);
  if (!addon || g.size !== y.size || y.rank === 0 || (axis !== -1 && axis !== y.rank - 1)) return undefined;
  const c = y.shape[y.rank - 1]!;
  const dx = Tensor.empty('f32', y.shape, 'softmaxGrad');
  addon.softmaxGradRowsF32(
    log,
    f32(y),
    y.offset,
    f32(g),
    g.offset,
    c === 0 ? 0 : y.size / c,
    c,
    f32(dx),
    dx.offset,
  );
  return dx;
}
