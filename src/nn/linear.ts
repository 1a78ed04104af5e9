import * as A from '../autograd/index.js';
import { isGradEnabled, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { type LinearActivation, linear, type WeightCache } from '../ops/linear.js';
import { type InitOptions, resolveRng, uniformTensor } from './init.js';
import { Module } from './module.js';

export interface LinearOptions extends InitOptions {
  bias?: boolean;
}

/** y = x · Wᵀ + b with W [out, in] (the PyTorch/safetensors layout); x is [..., in]. */
export class Linear extends Module {
  readonly weight: Variable;
  readonly bias: Variable | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    for (const [field, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new FrugalError('E_ARG', `${field} must be a positive integer, got ${v}`, {
          op: 'Linear',
          field,
        });
      }
    }
    const rng = resolveRng(opts);
    // PyTorch's default (Kaiming-uniform with a = sqrt(5)) reduces to U(-1/sqrt(in), 1/sqrt(in)).
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.addParam('weight', uniformTensor([outFeatures, inFeatures], bound, rng));
    this.bias =
      (opts.bias ?? true) ? this.addParam('bias', uniformTensor([outFeatures], bound, rng)) : undefined;
  }

  /**
   * The backend's packed copy of the weight for inference. Optimizers and other in-place writers
   * change the weight only after a forward that records a graph, and that forward drops the copy;
   * loadStateDict replaces the weight tensor, which the backend notices by identity.
   */
  private packed: WeightCache = {};

  forward(x: Variable): Variable {
    return this.forwardWith(x);
  }

  /**
   * forward followed by `activation`; without a gradient both run in one kernel (with the bias in
   * the GEMM's tile epilogue), otherwise undefined is returned and the caller applies it.
   */
  forwardFused(x: Variable, activation: LinearActivation): Variable | undefined {
    // A subclass that redefines forward (adapters, fake quantization) must keep its own path.
    if (this.forward !== Linear.prototype.forward || this.needsGraph(x)) return undefined;
    return this.forwardWith(x, activation);
  }

  /** Drops the packed weight; call after writing the weight's data in place outside training. */
  invalidatePacked(): void {
    this.packed = {};
  }

  private needsGraph(x: Variable): boolean {
    return isGradEnabled() && [x, this.weight, this.bias].some((v) => v?.requiresGrad);
  }

  private forwardWith(x: Variable, activation?: LinearActivation): Variable {
    if (x.shape[x.shape.length - 1] !== this.inFeatures || x.shape.length < 2) {
      throw new FrugalError('E_SHAPE', `Linear expects [..., ${this.inFeatures}] with a batch axis`, {
        op: 'Linear',
        shapes: [x.shape, this.weight.shape],
      });
    }
    if (!this.needsGraph(x)) {
      const opts = activation ? { activation, cache: this.packed } : { cache: this.packed };
      return A.constant(linear(x.value, this.weight.value, this.bias?.value, opts));
    }
    if (this.packed.prepared !== undefined) this.packed = {};
    const y = A.matmul(x, this.weight, { transB: true });
    return this.bias ? A.add(y, this.bias) : y;
  }
}
