/** `frugal/tensor`: the Tensor type, creation functions and every op users call. */

export { backendStatus, useBackend } from '../backend/registry.js';
export { FrugalError } from '../core/errors.js';
export { arange, full, ones, rand, randn, type TensorOptions, tensor, zeros } from '../tensor/creation.js';
export { DTYPES, type DType } from '../tensor/dtype.js';
export { type MemoryInfo, measurePeakMemory, memoryInfo, resetPeakMemory } from '../tensor/memory.js';
export { keep, tidy } from '../tensor/scope.js';
export type { Shape } from '../tensor/shape.js';
export { setStoragePoolLimit } from '../tensor/storage.js';
export { type NestedArray, Tensor } from '../tensor/tensor.js';
export { type AttentionOptions, scaledDotProductAttention } from './attention.js';
export {
  abs,
  add,
  cast,
  clamp,
  div,
  eq,
  exp,
  ge,
  gelu,
  gt,
  le,
  log,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  relu,
  rsqrt,
  sigmoid,
  silu,
  sqrt,
  sub,
  type TensorLike,
  tanh,
  where,
} from './elementwise.js';
export { embedding, gather, scatterAdd } from './indexing.js';
export { type MatmulOptions, matmul, type QuantizedLinearArgs, quantizedLinear } from './linalg.js';
export { type LinearActivation, type LinearOptions, linear, type WeightCache } from './linear.js';
export { addLayerNorm, layerNorm, rmsNorm } from './norm.js';
export {
  argmax,
  logSoftmax,
  logsumexp,
  max,
  mean,
  min,
  type ReduceOptions,
  softmax,
  sum,
  variance,
} from './reduce.js';
export { concat, contiguous, reshape, split, stack } from './shape-ops.js';
