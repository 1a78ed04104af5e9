/**
 * The training-time stand-in for one compressed Linear (NxMiFormer). It owns the f32 weight and
 * bias as trainable parameters and has two phases:
 *  - dense (ADMM W-step): y = x · Wᵀ + b, exactly a Linear; the ADMM penalty acts on W's gradient;
 *  - fixed mask (after hard pruning): y = x · Ŵᵀ + b with Ŵ = W ⊙ mask rounded per output row to
 *    the assigned width; the rounding is a straight-through estimator (forward rounded, backward
 *    identity), so the gradient reaches W only where the mask keeps it.
 * `toSparse()` (sparse-linear.ts) turns the final weight into the packed inference layer.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import type { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { cast } from '../ops/elementwise.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { nmMask } from './nm-sparsity.js';
import { fakeQuantRows, type NxmSpec, patternOf } from './nxm-spec.js';
import { f32Data } from './tensor-data.js';

export class NxmLinear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Variable;
  readonly bias: Variable | undefined;
  #mask: Tensor | undefined;

  constructor(
    linear: Linear,
    readonly spec: NxmSpec,
  ) {
    super();
    this.inFeatures = linear.inFeatures;
    this.outFeatures = linear.outFeatures;
    if (this.inFeatures % spec.m !== 0) {
      throw new FrugalError('E_SHAPE', `input width ${this.inFeatures} is not a multiple of M = ${spec.m}`, {
        op: 'NxmLinear',
        shapes: [linear.weight.shape],
        hint: 'pick an M that divides the layer input width, or exclude the layer',
      });
    }
    this.weight = this.addParam('weight', cast(linear.weight.value, 'f32'));
    this.bias = linear.bias ? this.addParam('bias', cast(linear.bias.value, 'f32')) : undefined;
  }

  get masked(): boolean {
    return this.#mask !== undefined;
  }

  /** Hard pruning: fixes the mask to the N largest |w| of each M-block and zeroes the rest of W. */
  fixMask(): void {
    const w = f32Data(this.weight.value);
    const mask = nmMask(w, this.inFeatures, patternOf(this.spec));
    for (let i = 0; i < w.length; i++) if (!mask[i]) w[i] = 0;
    this.#mask?.dispose();
    this.#mask = tensor(Float32Array.from(mask), { shape: [this.outFeatures, this.inFeatures] });
  }

  /** W with everything outside the mask (the fixed one, else W's own N:M magnitude mask) zeroed. */
  maskedWeight(): Float32Array {
    const w = f32Data(this.weight.value);
    const mask = this.#mask ? f32Data(this.#mask) : nmMask(w, this.inFeatures, patternOf(this.spec));
    return w.map((v, i) => (mask[i] ? v : 0));
  }

  /** The weight the compressed layer computes with (masked and rounded), as f32 [out, in]. */
  effectiveWeight(): Float32Array {
    return fakeQuantRows(this.maskedWeight(), this.outFeatures, this.inFeatures, this.spec.bits);
  }

  forward(x: Variable): Variable {
    if (x.shape.length < 2 || x.shape[x.shape.length - 1] !== this.inFeatures) {
      throw new FrugalError('E_SHAPE', `NxmLinear expects [..., ${this.inFeatures}] with a batch axis`, {
        op: 'NxmLinear',
        shapes: [x.shape, this.weight.shape],
      });
    }
    const y = A.matmul(x, this.#mask ? this.steWeight(this.#mask) : this.weight, { transB: true });
    return this.bias ? A.add(y, this.bias) : y;
  }

  /** MLP asks its first projection for a fused activation; this layer has none (MLP then runs it). */
  forwardFused(): undefined {
    return undefined;
  }

  private steWeight(mask: Tensor): Variable {
    const masked = A.mul(this.weight, A.constant(mask));
    const rounded = this.effectiveWeight();
    const delta = tidy(() => {
      const m = f32Data(masked.value);
      return tensor(
        rounded.map((v, i) => v - m[i]!),
        { shape: [this.outFeatures, this.inFeatures] },
      );
    });
    return A.add(masked, A.constant(delta));
  }

  override dispose(): void {
    this.#mask?.dispose();
    this.#mask = undefined;
    super.dispose();
  }
}
