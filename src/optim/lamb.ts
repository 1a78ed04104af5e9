import type { Variable } from '../autograd/variable.js';
import type { AdamOptions } from './adam.js';
import { Optimizer } from './optimizer.js';

/**
 * LAMB (You et al., 2020): the Adam direction plus decoupled weight decay, rescaled per
 * parameter tensor by the trust ratio ||p|| / ||update|| (1 when either norm is zero).
 */
export class LAMB extends Optimizer {
  protected readonly stateSlots = 3;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;

  constructor(params: readonly Variable[], opts: AdamOptions) {
    super(params, opts, 'LAMB');
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-6;
  }

  protected update(p: Float32Array, g: Float32Array, [m, v, u]: Float32Array[]): void {
    const { lr, weightDecay: wd, beta1: b1, beta2: b2, eps } = this;
    const c1 = 1 - b1 ** this.stepCount;
    const c2 = 1 - b2 ** this.stepCount;
    if (this.kernels) {
      this.kernels.lambStepF32(p, 0, g, 0, p.length, m!, v!, u!, lr, b1, b2, eps, 1 / c1, 1 / c2, wd);
      return;
    }
    let pNorm = 0;
    let uNorm = 0;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      m![i] = b1 * m![i]! + (1 - b1) * gi;
      v![i] = b2 * v![i]! + (1 - b2) * gi * gi;
      const ui = m![i]! / c1 / (Math.sqrt(v![i]! / c2) + eps) + wd * p[i]!;
      u![i] = ui;
      pNorm += p[i]! * p[i]!;
      uNorm += ui * ui;
    }
    const trust = pNorm > 0 && uNorm > 0 ? Math.sqrt(pNorm) / Math.sqrt(uNorm) : 1;
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * trust * u![i]!;
  }
}
