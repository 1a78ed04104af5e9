/**
 * Rotary position embedding in the rotate-half convention of Hugging Face Llama: the first and
 * second halves of each head are the two coordinates of D/2 rotating pairs, pair i turning by
 * position·theta^(-2i/D). Composed from slice/concat/mul/add, so gradients need no rule of their own.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { cast } from '../ops/elementwise.js';
import { keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';

export class RotaryEmbedding {
  readonly #invFreq: Float64Array;
  #cos: Tensor | undefined;
  #sin: Tensor | undefined;

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

  /** cos and sin tables [T, D] for positions offset … offset+T-1 (views of tables grown on demand). */
  tables(offset: number, t: number): [Tensor, Tensor] {
    if (!this.#cos || !this.#sin || offset + t > this.#cos.shape[0]!)
      this.grow(Math.max(64, 2 * (offset + t)));
    return [this.#cos!.slice(0, offset, offset + t), this.#sin!.slice(0, offset, offset + t)];
  }

  private grow(positions: number): void {
    const d = this.headDim;
    const half = d / 2;
    const cos = Tensor.empty('f32', [positions, d], 'rope');
    const sin = Tensor.empty('f32', [positions, d], 'rope');
    const c = cos.data as Float32Array;
    const s = sin.data as Float32Array;
    for (let p = 0; p < positions; p++) {
      for (let i = 0; i < half; i++) {
        const angle = p * this.#invFreq[i]!;
        c[p * d + i] = c[p * d + half + i] = Math.cos(angle);
        s[p * d + i] = s[p * d + half + i] = Math.sin(angle);
      }
    }
    this.#cos?.dispose();
    this.#sin?.dispose();
    // Held for the object's lifetime, so tidy() scopes around forward passes must not free them.
    this.#cos = keep(cos);
    this.#sin = keep(sin);
  }

  /** Frees the cached tables (they are rebuilt if the object is used again). */
  dispose(): void {
    this.#cos?.dispose();
    this.#sin?.dispose();
    this.#cos = undefined;
    this.#sin = undefined;
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
