import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import type { Tensor } from '../tensor/tensor.js';
import { type InitOptions, normalTensor, resolveRng } from './init.js';
import { Module } from './module.js';

/** Rows of a [vocab, dim] table for i32 token ids of any shape → [...ids.shape, dim]. */
export class Embedding extends Module {
  readonly weight: Variable;

  constructor(
    readonly vocabSize: number,
    readonly dim: number,
    opts: InitOptions & { std?: number } = {},
  ) {
    super();
    this.weight = this.addParam('weight', normalTensor([vocabSize, dim], opts.std ?? 1, resolveRng(opts)));
  }

  forward(ids: Tensor): Variable {
    return A.embedding(this.weight, ids);
  }
}
