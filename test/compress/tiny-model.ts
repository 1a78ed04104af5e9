/** A small encoder built from nn pieces (embedding, post-norm blocks, head) for compression tests. */
import * as A from '../../src/autograd/index.js';
import type { Variable } from '../../src/autograd/variable.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export class TinyEncoder extends nn.Module {
  readonly embed: nn.Embedding;
  readonly blocks: nn.TransformerBlock[];
  readonly head: nn.Linear;

  constructor(
    readonly vocab: number,
    dim: number,
    layers: number,
    seed: number,
  ) {
    super();
    const rng = new Rng(seed);
    this.embed = this.addModule('embed', new nn.Embedding(vocab, dim, { rng }));
    this.blocks = [];
    for (let i = 0; i < layers; i++) {
      this.blocks.push(
        this.addModule(
          `block${i}`,
          new nn.TransformerBlock(dim, 4, { rng, hidden: 4 * dim, placement: 'post' }),
        ),
      );
    }
    this.head = this.addModule('head', new nn.Linear(dim, 3, { rng }));
  }

  forward(ids: Tensor): Variable {
    let x = this.embed.forward(ids);
    for (const b of this.blocks) x = b.forward(x);
    return this.head.forward(A.mean(x, { axis: 1 }));
  }
}

export function tokenIds(batch: number, seq: number, vocab: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: batch * seq }, () => rng.int(vocab));
}
