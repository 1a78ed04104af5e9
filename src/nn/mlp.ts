import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { type InitOptions, resolveRng } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export type MlpActivation = 'gelu' | 'swiglu';

/**
 * Transformer feed-forward: 'gelu' is down(gelu(up(x))) (BERT/GPT-2); 'swiglu' is
 * down(silu(gate(x)) * up(x)) (Llama), without biases.
 */
export class MLP extends Module {
  readonly up: Linear;
  readonly down: Linear;
  readonly gate: Linear | undefined;

  constructor(
    readonly dim: number,
    readonly hidden: number,
    readonly activation: MlpActivation = 'gelu',
    opts: InitOptions = {},
  ) {
    super();
    const rng = resolveRng(opts);
    const bias = activation === 'gelu';
    this.gate =
      activation === 'swiglu' ? this.addModule('gate', new Linear(dim, hidden, { rng, bias })) : undefined;
    this.up = this.addModule('up', new Linear(dim, hidden, { rng, bias }));
    this.down = this.addModule('down', new Linear(hidden, dim, { rng, bias }));
  }

  forward(x: Variable): Variable {
    const h = this.gate
      ? A.mul(A.silu(this.gate.forward(x)), this.up.forward(x))
      : A.gelu(this.up.forward(x));
    return this.down.forward(h);
  }
}
