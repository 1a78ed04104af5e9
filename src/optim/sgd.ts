import type { Variable } from '../autograd/variable.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

export interface SgdOptions extends OptimizerOptions {
  momentum?: number;
  nesterov?: boolean;
}

/** SGD with (Nesterov) momentum and L2 weight decay added to the gradient (PyTorch semantics). */
export class SGD extends Optimizer {
  protected readonly stateSlots: number;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(params: readonly Variable[], opts: SgdOptions) {
    super(params, opts, 'SGD');
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.stateSlots = this.momentum > 0 ? 1 : 0;
  }

  protected update(p: Float32Array, g: Float32Array, state: Float32Array[]): void {
    const { lr, weightDecay: wd, momentum: mu } = this;
    const buf = state[0];
    if (this.kernels) {
      this.kernels.sgdStepF32(p, 0, g, 0, p.length, buf ?? null, lr, wd, mu, this.nesterov);
      return;
    }
    for (let i = 0; i < p.length; i++) {
      let d = g[i]! + wd * p[i]!;
      if (buf) {
        // The buffer starts at zero, so the first step stores d itself (as PyTorch does).
        buf[i] = mu * buf[i]! + d;
        d = this.nesterov ? d + mu * buf[i]! : buf[i]!;
      }
      p[i] = p[i]! - lr * d;
    }
  }
}
