import type { Variable } from '../autograd/variable.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Adam with bias correction. Weight decay is L2 (added to the gradient) in Adam and decoupled
 * (p -= lr·wd·p) in AdamW, as in Loshchilov & Hutter.
 */
export class Adam extends Optimizer {
  protected readonly stateSlots = 2;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  protected readonly decoupled: boolean = false;

  constructor(params: readonly Variable[], opts: AdamOptions, name = 'Adam') {
    super(params, opts, name);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
  }

  protected update(p: Float32Array, g: Float32Array, [m, v]: Float32Array[]): void {
    const { lr, weightDecay: wd, beta1: b1, beta2: b2, eps } = this;
    const c1 = 1 - b1 ** this.stepCount;
    const c2 = 1 - b2 ** this.stepCount;
    const l2 = this.decoupled ? 0 : wd;
    const shrink = this.decoupled ? 1 - lr * wd : 1;
    if (this.kernels) {
      this.kernels.adamStepF32(p, 0, g, 0, p.length, m!, v!, lr, b1, b2, eps, 1 / c1, 1 / c2, l2, shrink);
      return;
    }
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! + l2 * p[i]!;
      const mi = b1 * m![i]! + (1 - b1) * gi;
      const vi = b2 * v![i]! + (1 - b2) * gi * gi;
      m![i] = mi;
      v![i] = vi;
      p[i] = p[i]! * shrink - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}

export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: readonly Variable[], opts: AdamOptions) {
    super(params, { weightDecay: 0.01, ...opts }, 'AdamW');
  }
}
