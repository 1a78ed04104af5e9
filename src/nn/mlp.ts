import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import type { LinearActivation } from '../ops/linear.js';
import { type InitOptions, resolveRng } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/**
 * 'gelu' (tanh approximation, GPT-2) and 'gelu-erf' (exact, BERT) and 'relu' (T5) are
 * down(act(up(x))); the gated 'swiglu' (Llama) and 'geglu' (T5 v1.1) are down(act(gate(x)) * up(x)).
 */
export type MlpActivation = 'gelu' | 'gelu-erf' | 'relu' | 'swiglu' | 'geglu';

const GATED: Record<MlpActivation, boolean> = {
  gelu: false,
  'gelu-erf': false,
  relu: false,
  swiglu: true,
  geglu: true,
};

/** The linear op's in-kernel activation equal to act() for each MLP kind. */
const FUSED: Record<MlpActivation, LinearActivation> = {
  gelu: 'gelu_tanh',
  'gelu-erf': 'gelu_erf',
  relu: 'relu',
  swiglu: 'silu',
  geglu: 'gelu_tanh',
};

export interface MlpOptions extends InitOptions {
  /** Biases in the projections (default: true for 'gelu' and 'gelu-erf', false otherwise). */
  bias?: boolean;
}

/** A projection that can also run the next one: next(act(this(x))), or undefined to decline. */
export interface ChainedProjection {
  forwardChain(x: Variable, activation: LinearActivation, next: Module): Variable | undefined;
}

/** Transformer feed-forward network. */
export class MLP extends Module {
  readonly up: Linear;
  readonly down: Linear;
  readonly gate: Linear | undefined;

  constructor(
    readonly dim: number,
    readonly hidden: number,
    readonly activation: MlpActivation = 'gelu',
    opts: MlpOptions = {},
  ) {
    super();
    const rng = resolveRng(opts);
    const bias = opts.bias ?? (activation === 'gelu' || activation === 'gelu-erf');
    this.gate = GATED[activation]
      ? this.addModule('gate', new Linear(dim, hidden, { rng, bias }))
      : undefined;
    this.up = this.addModule('up', new Linear(dim, hidden, { rng, bias }));
    this.down = this.addModule('down', new Linear(hidden, dim, { rng, bias }));
  }

  forward(x: Variable): Variable {
    // Inference: the activation runs in the projection's GEMM epilogue (BiasGelu and the like).
    // Compression swaps projections for other modules (quantized, sparse); those that lack a fused
    // path, or answer undefined, get the activation applied here.
    const first = this.gate ?? this.up;
    // A projection may run the down projection too (forwardChain), so that what passes between
    // them never leaves its kernels (compression quantizes the activation in the GEMM epilogue).
    const chain = (first as Partial<ChainedProjection>).forwardChain;
    if (!this.gate && typeof chain === 'function') {
      const chained = chain.call(first, x, FUSED[this.activation], this.down);
      if (chained) return chained;
    }
    const fused =
      typeof first.forwardFused === 'function' ? first.forwardFused(x, FUSED[this.activation]) : undefined;
    if (fused) return this.down.forward(this.gate ? A.mul(fused, this.up.forward(x)) : fused);
    const up = this.up.forward(x);
    return this.down.forward(this.gate ? A.mul(this.act(this.gate.forward(x)), up) : this.act(up));
  }

  private act(x: Variable): Variable {
    switch (this.activation) {
      case 'gelu':
      case 'geglu':
        return A.gelu(x, 'tanh');
      case 'gelu-erf':
        return A.gelu(x, 'none');
      case 'relu':
        return A.relu(x);
      case 'swiglu':
        return A.silu(x);
    }
  }
}
