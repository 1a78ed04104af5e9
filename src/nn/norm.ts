import * as A from '../autograd/index.js';
import { isGradEnabled, type Variable } from '../autograd/variable.js';
import { addLayerNorm } from '../ops/norm.js';
import { constantTensor } from './init.js';
import { Module } from './module.js';

/** Layer normalization over the last axis with learned scale (ones) and shift (zeros). */
export class LayerNorm extends Module {
  readonly weight: Variable | undefined;
  readonly bias: Variable | undefined;

  constructor(
    readonly dim: number,
    readonly opts: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    const affine = opts.affine ?? true;
    this.weight = affine ? this.addParam('weight', constantTensor([dim], 1)) : undefined;
    this.bias = affine ? this.addParam('bias', constantTensor([dim], 0)) : undefined;
  }

  forward(x: Variable): Variable {
    return A.layerNorm(x, this.weight, this.bias, this.opts.eps ?? 1e-5);
  }

  /** forward(x + residual); without a gradient, one kernel pass (no stored sum). */
  forwardAdd(x: Variable, residual: Variable): Variable {
    const eps = this.opts.eps ?? 1e-5;
    if (isGradEnabled() && [x, residual, this.weight, this.bias].some((v) => v?.requiresGrad))
      return this.forward(A.add(x, residual));
    return A.constant(addLayerNorm(x.value, residual.value, this.weight?.value, this.bias?.value, eps));
  }
}

/** RMS normalization over the last axis with a learned scale (Llama style). */
export class RMSNorm extends Module {
  readonly weight: Variable;

  constructor(
    readonly dim: number,
    readonly eps = 1e-6,
  ) {
    super();
    this.weight = this.addParam('weight', constantTensor([dim], 1));
  }

  forward(x: Variable): Variable {
    return A.rmsNorm(x, this.weight, this.eps);
  }

  /** forward(x + residual). */
  forwardAdd(x: Variable, residual: Variable): Variable {
    return this.forward(A.add(x, residual));
  }
}
