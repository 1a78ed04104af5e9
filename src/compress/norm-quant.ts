/**
 * ZeroQuant's activation quantization fused into the LayerNorm that produces the activation: in a
 * model whose Linears run the u8 x s8 kernel, each LayerNorm is swapped for a QuantizingLayerNorm
 * (the same parameters and output) that, without a gradient, also writes the output's token-wise
 * u8 codes in the same native pass and hands them to the next quantized layer through
 * quantizeTokensU8's cache, so the layers fed by a norm (Q/K/V, the MLP's first projection) skip
 * their own quantization pass.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import type { Module } from '../nn/module.js';
import { LayerNorm } from '../nn/norm.js';
import { Tensor } from '../tensor/tensor.js';
import { rememberU8, takeU8 } from './activation-quant.js';
import { findLayers } from './layers.js';
import { quantAddon } from './native.js';
import { QuantizedLinear } from './quantized-linear.js';
import { f32Data } from './tensor-data.js';

export class QuantizingLayerNorm extends LayerNorm {
  /** A copy of `norm` (parameters, frozen or not, included) that also quantizes its output. */
  static from(norm: LayerNorm): QuantizingLayerNorm {
    const q = new QuantizingLayerNorm(norm.dim, norm.opts);
    for (const [mine, theirs] of [
      [q.weight, norm.weight],
      [q.bias, norm.bias],
    ] as const) {
      if (!mine || !theirs) continue;
      mine.value.data.set(f32Data(theirs.value, 'QuantizingLayerNorm'));
      mine.requiresGrad = theirs.requiresGrad;
    }
    q.train(norm.training);
    return q;
  }

  override forward(x: Variable): Variable {
    return this.fused(x, undefined) ?? super.forward(x);
  }

  override forwardAdd(x: Variable, residual: Variable): Variable {
    return this.fused(x, residual) ?? super.forwardAdd(x, residual);
  }

  private fused(x: Variable, residual: Variable | undefined): Variable | undefined {
    const addon = quantAddon();
    if (!addon || typeof addon.layerNormQuantRowsF32 !== 'function') return undefined;
    if (A.isGradEnabled() && [x, residual, this.weight, this.bias].some((v) => v?.requiresGrad))
      return undefined;
    const xs = x.value;
    const rs = residual?.value;
    const cols = this.dim;
    const plain = (t: Tensor) => t.dtype === 'f32' && t.isContiguous;
    if (!plain(xs) || xs.shape[xs.shape.length - 1] !== cols) return undefined;
    if (rs && (!plain(rs) || rs.shape.join() !== xs.shape.join())) return undefined;
    const op = 'QuantizingLayerNorm';
    const rows = xs.size / cols;
    const out = Tensor.uninitialized('f32', xs.shape, op);
    const codes = takeU8(rows, cols);
    addon.layerNormQuantRowsF32(
      f32Data(xs, op),
      0,
      rows,
      cols,
      rs ? f32Data(rs, op) : null,
      0,
      this.weight ? f32Data(this.weight.value, op) : null,
      this.bias ? f32Data(this.bias.value, op) : null,
      this.opts.eps ?? 1e-5,
      out.data as Float32Array,
      0,
      codes.codes,
      codes.scales,
    );
    rememberU8(out, cols, codes);
    return A.constant(out);
  }
}

/**
 * Swaps every LayerNorm of `model` for a QuantizingLayerNorm when one of its quantized Linears
 * runs the u8 x s8 kernel; returns how many were swapped.
 */
export function fuseNormQuantization(model: Module): number {
  const quantized = findLayers(model, (m): m is QuantizedLinear => m instanceof QuantizedLinear);
  if (!quantized.some((s) => s.layer.runsU8S8())) return 0;
  const norms = findLayers(
    model,
    (m): m is LayerNorm => m instanceof LayerNorm && !(m instanceof QuantizingLayerNorm),
  );
  for (const site of norms) {
    site.parent.replaceChild(site.name, QuantizingLayerNorm.from(site.layer));
    site.layer.dispose();
  }
  return norms.length;
}
