import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { cast } from '../ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Inverted dropout: in training, zeroes each element with probability p and scales the rest by 1/(1-p). */
export class Dropout extends Module {
  private rng: Rng;

  constructor(
    readonly p: number,
    opts: { seed?: number; rng?: Rng } = {},
  ) {
    super();
    if (!(p >= 0 && p < 1)) {
      throw new FrugalError('E_ARG', `dropout probability must be in [0, 1), got ${p}`, {
        op: 'Dropout',
        field: 'p',
      });
    }
    this.rng = opts.rng ?? new Rng(opts.seed ?? 0);
  }

  /** Restarts the mask stream; a trainer reseeds per step so a resumed run draws the same masks. */
  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  forward(x: Variable): Variable {
    if (!this.training || this.p === 0) return x;
    const mask = Tensor.empty('f32', x.shape, 'dropout');
    const d = mask.data as Float32Array;
    const scale = 1 / (1 - this.p);
    for (let i = 0; i < d.length; i++) d[i] = this.rng.uniform() < this.p ? 0 : scale;
    const typed = x.dtype === 'f32' ? mask : cast(mask, x.dtype);
    const y = A.mul(x, A.constant(typed));
    mask.dispose();
    typed.dispose();
    return y;
  }
}
