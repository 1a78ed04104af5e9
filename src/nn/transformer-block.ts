/**
 * Transformer block on x [B, T, C]. Pre-norm (GPT-2, Llama): h = x + attn(norm1(x));
 * out = h + mlp(norm2(h)). Post-norm (BERT): h = norm1(x + attn(x)); out = norm2(h + mlp(h)).
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { tidy } from '../tensor/scope.js';
import { type AttentionCall, MultiHeadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { type InitOptions, resolveRng } from './init.js';
import { MLP, type MlpActivation } from './mlp.js';
import { Module } from './module.js';
import { LayerNorm, RMSNorm } from './norm.js';
import type { RotaryEmbedding } from './rope.js';

export interface TransformerBlockOptions extends InitOptions {
  /** 'layer' (BERT/GPT-2) or 'rms' (Llama). */
  norm?: 'layer' | 'rms';
  /** Where the norms sit: 'pre' (default) or 'post' (BERT). */
  placement?: 'pre' | 'post';
  /** Norm epsilon (default 1e-5 for layer norm, 1e-6 for rms). */
  eps?: number;
  mlp?: MlpActivation;
  /** Hidden width of the MLP (default 4·dim). */
  hidden?: number;
  /** Dropout on each residual branch (default 0). */
  dropout?: number;
  /** Dropout on the attention probabilities (default 0). */
  attentionDropout?: number;
  /** Biases in attention projections (default true for layer norm, false for rms). */
  bias?: boolean;
  /** Key/value heads for grouped-query attention (default: heads). */
  kvHeads?: number;
  rope?: RotaryEmbedding;
}

export class TransformerBlock extends Module {
  readonly norm1: LayerNorm | RMSNorm;
  readonly attn: MultiHeadAttention;
  readonly norm2: LayerNorm | RMSNorm;
  readonly mlp: MLP;
  readonly drop: Dropout;
  readonly placement: 'pre' | 'post';

  constructor(
    readonly dim: number,
    readonly heads: number,
    opts: TransformerBlockOptions = {},
  ) {
    super();
    const rng = resolveRng(opts);
    const norm = opts.norm ?? 'layer';
    this.placement = opts.placement ?? 'pre';
    const makeNorm = () =>
      norm === 'layer' ? new LayerNorm(dim, { eps: opts.eps ?? 1e-5 }) : new RMSNorm(dim, opts.eps ?? 1e-6);
    this.norm1 = this.addModule('norm1', makeNorm());
    this.attn = this.addModule(
      'attn',
      new MultiHeadAttention(dim, heads, {
        rng,
        bias: opts.bias ?? norm === 'layer',
        ...(opts.kvHeads === undefined ? {} : { kvHeads: opts.kvHeads }),
        ...(opts.rope === undefined ? {} : { rope: opts.rope }),
        ...(opts.attentionDropout === undefined ? {} : { dropout: opts.attentionDropout }),
      }),
    );
    this.norm2 = this.addModule('norm2', makeNorm());
    this.mlp = this.addModule('mlp', new MLP(dim, opts.hidden ?? 4 * dim, opts.mlp ?? 'gelu', { rng }));
    this.drop = this.addModule('drop', new Dropout(opts.dropout ?? 0, { rng }));
  }

  forward(x: Variable, call: AttentionCall = {}): Variable {
    // Without a graph nothing outlives the block but its output: freeing the intermediates here
    // returns their storage to the pool for the next block and bounds peak memory by one block.
    // Traced probabilities are the caller's to keep.
    if (!A.isGradEnabled() && call.probs === undefined) return tidy(() => this.forwardBlock(x, call));
    return this.forwardBlock(x, call);
  }

  private forwardBlock(x: Variable, call: AttentionCall): Variable {
    if (this.placement === 'post') {
      const h = this.norm1.forwardAdd(x, this.drop.forward(this.attn.forward(x, call)));
      return this.norm2.forwardAdd(h, this.drop.forward(this.mlp.forward(h)));
    }
    const h = A.add(x, this.drop.forward(this.attn.forward(this.norm1.forward(x), call)));
    return A.add(h, this.drop.forward(this.mlp.forward(this.norm2.forward(h))));
  }
}
