/**
 * Multi-head attention. Shapes: B = batch, T = query length, S = key length, H = heads,
 * D = head dim, C = H·D. Self-attention reads keys from x; cross-attention from `context`.
 * Masks are bool, true = may attend, broadcastable to [B, H, T, S].
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { type InitOptions, resolveRng } from './init.js';
import type { KVCache } from './kv-cache.js';
import { Linear } from './linear.js';
import { causalMask, maskAnd } from './mask.js';
import { Module } from './module.js';

export interface AttentionOptions extends InitOptions {
  bias?: boolean;
}

export interface AttentionCall {
  /** Keys and values come from here (cross-attention), [B, S, C]. */
  context?: Variable;
  /** Each query i sees keys j <= i (offset by cached keys when decoding). */
  causal?: boolean;
  mask?: Tensor;
  /** Incremental decoding: keys/values of earlier steps are read from and appended to the cache. */
  cache?: KVCache;
}

export class MultiHeadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly headDim: number;

  constructor(
    readonly dim: number,
    readonly heads: number,
    opts: AttentionOptions = {},
  ) {
    super();
    if (!Number.isInteger(heads) || heads <= 0 || dim % heads !== 0) {
      throw new FrugalError('E_ARG', `dim ${dim} must be a multiple of heads ${heads}`, {
        op: 'MultiHeadAttention',
        field: 'heads',
      });
    }
    this.headDim = dim / heads;
    const rng = resolveRng(opts);
    const lin = { rng, bias: opts.bias ?? true };
    this.q = this.addModule('q', new Linear(dim, dim, lin));
    this.k = this.addModule('k', new Linear(dim, dim, lin));
    this.v = this.addModule('v', new Linear(dim, dim, lin));
    this.o = this.addModule('o', new Linear(dim, dim, lin));
  }

  /** x [B, T, C] → [B, T, C]. */
  forward(x: Variable, call: AttentionCall = {}): Variable {
    if (x.shape.length !== 3 || x.shape[2] !== this.dim) {
      throw new FrugalError('E_SHAPE', `attention input must be [B, T, ${this.dim}]`, {
        op: 'MultiHeadAttention',
        shapes: [x.shape],
      });
    }
    const [b, t] = x.shape as [number, number, number];
    const src = call.context ?? x;
    const q = this.splitHeads(this.q.forward(x));
    let k = this.splitHeads(this.k.forward(src));
    let v = this.splitHeads(this.v.forward(src));
    if (call.cache) [k, v] = call.cache.append(k, v);
    const s = k.shape[2]!;
    const h = this.heads;
    const d = this.headDim;
    // Contiguous [B·H, T, D] operands keep both products on the batched GEMM path.
    const flat = (y: Variable, len: number) => A.reshape(y, [b * h, len, d]);
    const raw = A.matmul(flat(q, t), flat(k, s), { transB: true });
    let scores = A.reshape(A.mul(raw, 1 / Math.sqrt(d)), [b, h, t, s]);
    let mask = call.mask;
    const owned: Tensor[] = [];
    if (call.causal) {
      const cm = causalMask(t, s);
      owned.push(cm);
      mask = mask ? maskAnd(mask, cm) : cm;
      if (call.mask) owned.push(mask);
    }
    if (mask) scores = A.where(mask, scores, -1e9);
    for (const m of owned) m.dispose();
    const probs = A.reshape(A.softmax(scores, -1), [b * h, t, s]);
    const out = A.reshape(A.matmul(probs, flat(v, s)), [b, h, t, d]);
    return this.o.forward(A.reshape(A.permute(out, 0, 2, 1, 3), [b, t, this.dim]));
  }

  /** [B, T, C] → [B, H, T, D]. */
  private splitHeads(x: Variable): Variable {
    const [b, t] = x.shape as [number, number, number];
    return A.permute(A.reshape(x, [b, t, this.heads, this.headDim]), 0, 2, 1, 3);
  }
}
