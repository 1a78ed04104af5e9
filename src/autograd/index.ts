/** `frugal/autograd`: Variables, the tape, differentiable ops, gradcheck and checkpointing. */
export { checkpoint } from './checkpoint.js';
export {
  add,
  div,
  exp,
  gelu,
  layerNorm,
  log,
  logSoftmax,
  matmul,
  max,
  mean,
  mul,
  neg,
  pow,
  relu,
  rmsNorm,
  rsqrt,
  sigmoid,
  silu,
  softmax,
  sqrt,
  sub,
  sum,
  tanh,
  type VarLike,
} from './functions.js';
export { type GradcheckOptions, type GradcheckResult, gradcheck } from './gradcheck.js';
export { type DiffOp, type DiffOpAttrs, VJP_RULES, type VjpArgs, type VjpRule } from './rules.js';
export { type SavedTensorHooks, withSavedTensorHooks } from './saved.js';
export {
  concat,
  crossEntropy,
  embedding,
  expand,
  gather,
  permute,
  reshape,
  slice,
  split,
  transpose,
  where,
} from './shape-functions.js';
export {
  constant,
  isGradEnabled,
  type Node,
  noGrad,
  param,
  releaseGraph,
  Variable,
  withGradMode,
} from './variable.js';
