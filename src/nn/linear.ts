import * as A from '../autograd/index.js';
import { isGradEnabled, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { linear } from '../ops/linear.js';
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

  forward(x: Variable): Variable {
    if (x.shape[x.shape.length - 1] !== this.inFeatures || x.shape.length < 2) {
      throw new FrugalError('E_SHAPE', `Linear expects [..., ${this.inFeatures}] with a batch axis`, {
        op: 'Linear',
        shapes: [x.shape, this.weight.shape],
      });
    }
    if (!isGradEnabled() || ![x, this.weight, this.bias].some((v) => v?.requiresGrad)) {
      // Nothing to differentiate: one GEMM that accumulates onto the bias (no second pass).
      return A.constant(linear(x.value, this.weight.value, this.bias?.value));
    }
    const y = A.matmul(x, this.weight, { transB: true });
    return this.bias ? A.add(y, this.bias) : y;
  }
}
