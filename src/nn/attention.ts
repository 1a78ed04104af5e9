/**
 * Multi-head attention. Shapes: B = batch, T = query length, S = key length, H = query heads,
 * G = key/value heads (G < H is grouped-query attention), D = head dim. Self-attention reads keys
 * from x; cross-attention from `context`. Masks are bool, true = may attend, broadcastable to
 * [B, H, T, S].
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dropout } from './dropout.js';
import { type InitOptions, resolveRng } from './init.js';
import type { KVCache } from './kv-cache.js';
import { Linear } from './linear.js';
import { causalMask, maskAnd } from './mask.js';
import { Module } from './module.js';
import type { RotaryEmbedding } from './rope.js';

export interface AttentionOptions extends InitOptions {
  bias?: boolean;
  /** Key/value heads (default: heads); heads must be a multiple of it. */
  kvHeads?: number;
  /** Width of one head (default dim / heads); T5 sets it so that heads·headDim may differ from dim. */
  headDim?: number;
  /** Multiplier of q·k (default 1/sqrt(headDim); T5 uses 1). */
  scale?: number;
  /** Rotary position embedding applied to q and k (Llama). */
  rope?: RotaryEmbedding;
  /** Dropout on the attention probabilities in training (BERT; default 0). */
  dropout?: number;
}

export interface AttentionCall {
  /** Keys and values come from here (cross-attention), [B, S, C]. */
  context?: Variable;
  /** Each query i sees keys j <= i (offset by cached keys when decoding). */
  causal?: boolean;
  mask?: Tensor;
  /** Added to the scores before softmax, broadcastable to [B, H, T, S] (T5 relative position bias). */
  scoreBias?: Variable;
  /**
   * Incremental decoding: keys/values of earlier steps are read from and appended to the cache.
   * With a context, the cache instead holds the context's keys/values, projected on the first call
   * and reused unchanged after it (cross-attention while decoding).
   */
  cache?: KVCache;
  /**
   * Opt-in tracing (knowledge distillation): the softmax probabilities [B, H, T, S] of this call
   * are pushed here. Forces the unfused path, since the fused kernel never materializes them.
   */
  probs?: Variable[];
}

/** What the attention core consumes: q [B, H, T, D]; k, v [B, G, S, D]. */
export interface AttentionInputs {
  q: Variable;
  k: Variable;
  v: Variable;
  mask: Tensor | undefined;
  scoreBias: Variable | undefined;
  probs?: Variable[] | undefined;
}

export class MultiHeadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly headDim: number;
  readonly kvHeads: number;
  readonly scale: number;
  readonly rope: RotaryEmbedding | undefined;
  readonly probDrop: Dropout | undefined;

  constructor(
    readonly dim: number,
    readonly heads: number,
    opts: AttentionOptions = {},
  ) {
    super();
    const op = 'MultiHeadAttention';
    if (!Number.isInteger(heads) || heads <= 0 || (opts.headDim === undefined && dim % heads !== 0)) {
      throw new FrugalError('E_ARG', `dim ${dim} must be a multiple of heads ${heads}`, {
        op,
        field: 'heads',
      });
    }
    this.kvHeads = opts.kvHeads ?? heads;
    if (!Number.isInteger(this.kvHeads) || this.kvHeads <= 0 || heads % this.kvHeads !== 0) {
      throw new FrugalError('E_ARG', `heads ${heads} must be a multiple of kvHeads ${this.kvHeads}`, {
        op,
        field: 'kvHeads',
      });
    }
    this.headDim = opts.headDim ?? dim / heads;
    if (!Number.isInteger(this.headDim) || this.headDim <= 0) {
      throw new FrugalError('E_ARG', `headDim must be a positive integer, got ${this.headDim}`, {
        op,
        field: 'headDim',
      });
    }
    this.scale = opts.scale ?? 1 / Math.sqrt(this.headDim);
    this.rope = opts.rope;
    if (this.rope && this.rope.headDim !== this.headDim) {
      throw new FrugalError('E_ARG', `rope head dim ${this.rope.headDim} differs from ${this.headDim}`, {
        op,
        field: 'rope',
      });
    }
    const rng = resolveRng(opts);
    const lin = { rng, bias: opts.bias ?? true };
    const inner = heads * this.headDim;
    const kvInner = this.kvHeads * this.headDim;
    this.q = this.addModule('q', new Linear(dim, inner, lin));
    this.k = this.addModule('k', new Linear(dim, kvInner, lin));
    this.v = this.addModule('v', new Linear(dim, kvInner, lin));
    this.o = this.addModule('o', new Linear(inner, dim, lin));
    this.probDrop = opts.dropout ? this.addModule('probDrop', new Dropout(opts.dropout, { rng })) : undefined;
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
    let q = this.splitHeads(this.q.forward(x), this.heads);
    const stored = call.context ? call.cache?.read() : undefined;
    let [k, v] = stored ?? [
      this.splitHeads(this.k.forward(src), this.kvHeads),
      this.splitHeads(this.v.forward(src), this.kvHeads),
    ];
    if (this.rope && !call.context) {
      const offset = call.cache?.length ?? 0;
      q = this.rope.apply(q, offset);
      k = this.rope.apply(k, offset);
    }
    if (call.cache && !stored) [k, v] = call.cache.append(k, v);
    const s = k.shape[2]!;
    let mask = call.mask;
    const owned: Tensor[] = [];
    // A single query at the end of the keys sees all of them: no causal mask needed when decoding.
    if (call.causal && t > 1) {
      const cm = causalMask(t, s);
      owned.push(cm);
      mask = mask ? maskAnd(mask, cm) : cm;
      if (call.mask) owned.push(mask);
    }
    const out = this.attend({ q, k, v, mask, scoreBias: call.scoreBias, probs: call.probs });
    for (const m of owned) m.dispose();
    return this.o.forward(A.reshape(A.permute(out, 0, 2, 1, 3), [b, t, this.heads * this.headDim]));
  }

  /**
   * The attention core: softmax(scale·q·kᵀ + bias, masked) · v → [B, H, T, D]. Key/value heads
   * are shared by groups of heads/kvHeads query heads.
   */
  attend({ q, k, v, mask, scoreBias, probs: trace }: AttentionInputs): Variable {
    // Nothing to differentiate: the fused kernel never materializes the scores (inference path).
    const dropping = this.probDrop !== undefined && this.training;
    if (!scoreBias && !dropping && !trace && ![q, k, v].some((x) => x.requiresGrad)) {
      const opts = { scale: this.scale, ...(mask ? { mask } : {}) };
      return A.constant(scaledDotProductAttention(q.value, k.value, v.value, opts));
    }
    const [b, h, t, d] = q.shape as [number, number, number, number];
    const s = k.shape[2]!;
    const kFull = this.repeatKv(k);
    const vFull = this.repeatKv(v);
    // Contiguous [B·H, T, D] operands keep both products on the batched GEMM path.
    const flat = (y: Variable, len: number) => A.reshape(y, [b * h, len, d]);
    const raw = A.matmul(flat(q, t), flat(kFull, s), { transB: true });
    let scores = A.reshape(this.scale === 1 ? raw : A.mul(raw, this.scale), [b, h, t, s]);
    if (scoreBias) scores = A.add(scores, scoreBias);
    if (mask) scores = A.where(mask, scores, -1e9);
    const weights = A.softmax(scores, -1);
    trace?.push(weights);
    const probs = A.reshape(this.probDrop ? this.probDrop.forward(weights) : weights, [b * h, t, s]);
    return A.reshape(A.matmul(probs, flat(vFull, s)), [b, h, t, d]);
  }

  /** [B, G, S, D] → [B, H, S, D], each key/value head repeated heads/kvHeads times. */
  private repeatKv(x: Variable): Variable {
    const rep = this.heads / this.kvHeads;
    if (rep === 1) return x;
    const [b, g, s, d] = x.shape as [number, number, number, number];
    const wide = A.expand(A.reshape(x, [b, g, 1, s, d]), [b, g, rep, s, d]);
    return A.reshape(wide, [b, g * rep, s, d]);
  }

  /** [B, T, n·D] → [B, n, T, D]. */
  private splitHeads(x: Variable, n: number): Variable {
    const [b, t] = x.shape as [number, number, number];
    return A.permute(A.reshape(x, [b, t, n, this.headDim]), 0, 2, 1, 3);
  }
}
