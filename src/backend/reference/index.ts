import type { Backend, KernelTable } from '../types.js';
import { attention } from './attention.js';
import { binary, clamp, compare, copy, unary, where } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { linear } from './linear.js';
import { matmul, qmatmul } from './matmul.js';
import { layerNorm, rmsNorm } from './norm.js';
import { reduce, softmax } from './reduce.js';

/** Every op, in plain TypeScript, for every dtype and layout: the oracle. */
export const REFERENCE_KERNELS: KernelTable = {
  unary,
  binary,
  compare,
  where,
  clamp,
  reduce,
  softmax,
  matmul,
  qmatmul,
  layerNorm,
  rmsNorm,
  gather,
  scatterAdd,
  copy,
  attention,
  linear,
};

export const referenceBackend: Backend = {
  name: 'reference',
  supports: () => true,
  run(op, args) {
    (REFERENCE_KERNELS[op] as (a: typeof args) => void)(args);
  },
};
