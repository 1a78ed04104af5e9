/**
 * Rotary position embedding in the rotate-half convention of Hugging Face Llama: the first and
 * second halves of each head are the two coordinates of D/2 rotating pairs, pair i turning by
 * position·theta^(-2i/D). Composed from slice/concat/mul/add, so gradients need no rule of their own.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { cast } from '../ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';

export class RotaryEmbedding {
  readonly #invFreq: Float64Array;

  constructor(
    readonly headDim: number,
    readonly theta = 10000,
  ) {
    if (!Number.isInteger(headDim) || headDim <= 0 || headDim % 2 !== 0) {
      throw new FrugalError('E_ARG', `rotary head dim must be a positive even integer, got ${headDim}`, {
        op: 'RotaryEmbedding',
        field: 'headDim',
      });
    }
    if (!(theta > 0)) {
      throw new FrugalError('E_ARG', `rope theta must be positive, got ${theta}`, {
        op: 'RotaryEmbedding',
        field: 'theta',
      });
    }
    const half = headDim / 2;
    this.#invFreq = new Float64Array(half);
    for (let i = 0; i < half; i++) this.#invFreq[i] = theta ** (-(2 * i) / headDim);
  }

  /** cos and sin tables [T, D] for positions offset … offset+T-1. */
  tables(offset: number, t: number): [Tensor, Tensor] {
    const d = this.headDim;
    const half = d / 2;
    const cos = Tensor.empty('f32', [t, d], 'rope');
    const sin = Tensor.empty('f32', [t, d], 'rope');
    const c = cos.data as Float32Array;
    const s = sin.data as Float32Array;
    for (let p = 0; p < t; p++) {
      for (let i = 0; i < half; i++) {
        const angle = (offset + p) * this.#invFreq[i]!;
        const ci = Math.cos(angle);
        const si = Math.sin(angle);
        c[p * d + i] = ci;
        c[p * d + half + i] = ci;
        s[p * d + i] = si;
        s[p * d + half + i] = si;
      }
    }
    return [cos, sin];
  }

  /** x [..., T, D] at positions offset … offset+T-1 → x·cos + rotateHalf(x)·sin. */
  apply(x: Variable, offset = 0): Variable {
    const t = x.shape[x.shape.length - 2]!;
    if (x.shape[x.shape.length - 1] !== this.headDim) {
      throw new FrugalError('E_SHAPE', `rope expects [..., T, ${this.headDim}]`, {
        op: 'RotaryEmbedding',
        shapes: [x.shape],
      });
    }
    const half = this.headDim / 2;
    const tables = this.tables(offset, t);
    const [cos, sin] = tables.map((tb) => (x.dtype === 'f32' ? tb : cast(tb, x.dtype))) as [Tensor, Tensor];
    const rotated = A.concat([A.neg(A.slice(x, -1, half)), A.slice(x, -1, 0, half)], -1);
    const y = A.add(A.mul(x, A.constant(cos)), A.mul(rotated, A.constant(sin)));
    for (const tb of new Set([...tables, cos, sin])) tb.dispose();
    return y;
  }
}
