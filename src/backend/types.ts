import type { Tensor } from '../tensor/tensor.js';

/**
 * The backend contract. Every op writes into `out`, a contiguous tensor the caller allocated
 * (JS owns all memory; kernels never allocate tensors). Inputs are views of any layout,
 * already broadcast to the output shape by the op layer where the op broadcasts.
 */
export const UNARY_OPS = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'tanh',
  'sigmoid',
  'relu',
  'gelu_tanh',
  'gelu_erf',
  'silu',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const COMPARE_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

export const REDUCE_OPS = ['sum', 'mean', 'max', 'min', 'argmax', 'var', 'logsumexp'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** Activations the linear op can apply to its output in the same pass. */
export const LINEAR_ACTIVATIONS = [
  'gelu_erf',
  'gelu_tanh',
  'relu',
  'silu',
] as const satisfies readonly UnaryOp[];
export type LinearActivation = (typeof LINEAR_ACTIVATIONS)[number];

/**
 * A slot in which a backend keeps a prepared (packed) copy of a linear op's weight between calls.
 * A backend trusts its entry only while `weight` is the very tensor it prepared; whoever writes
 * the weight's data in place must hand over a fresh slot.
 */
export interface WeightCache {
  weight?: Tensor;
  prepared?: unknown;
}

export interface OpArgs {
  unary: { op: UnaryOp; x: Tensor; out: Tensor };
  binary: { op: BinaryOp; a: Tensor; b: Tensor; out: Tensor };
  compare: { op: CompareOp; a: Tensor; b: Tensor; out: Tensor };
  where: { cond: Tensor; a: Tensor; b: Tensor; out: Tensor };
  clamp: { x: Tensor; min: number; max: number; out: Tensor };
  /** Reduces `axes` of x; out has x's shape with those axes set to 1. `var` divides by n - correction. */
  reduce: { op: ReduceOp; x: Tensor; axes: readonly number[]; correction: number; out: Tensor };
  /** Softmax (or log-softmax) along `axis`. */
  softmax: { x: Tensor; axis: number; log: boolean; out: Tensor };
  /** out[..., M, N] = a[..., M, K] · b[..., K, N]; a and b are expanded to out's batch dims. */
  matmul: { a: Tensor; b: Tensor; out: Tensor };
  /**
   * Quantized linear: out[M, N] (f32) = (a_i8[M, K] · w_i8[N, K]^T) * scaleA[M] * scaleW[N, K / groupSize] + bias[N].
   * groupSize = K means one scale per output column.
   */
  qmatmul: {
    a: Tensor;
    w: Tensor;
    scaleA: Tensor;
    scaleW: Tensor;
    groupSize: number;
    bias?: Tensor;
    out: Tensor;
  };
  /**
   * Normalizes over the last axis; gamma/beta have the last axis' length. With `residual` (x's
   * shape) it normalizes x + residual (the post-norm residual join in one pass).
   */
  layerNorm: { x: Tensor; residual?: Tensor; gamma?: Tensor; beta?: Tensor; eps: number; out: Tensor };
  rmsNorm: { x: Tensor; gamma?: Tensor; eps: number; out: Tensor };
  /** out = table indexed along `axis` by i32 indices (out shape: table.shape with axis replaced by indices.shape). */
  gather: { table: Tensor; indices: Tensor; axis: number; out: Tensor };
  /** target[..., indices[j], ...] += src[..., j, ...] along `axis`; indices is 1-D. In place on target. */
  scatterAdd: { target: Tensor; indices: Tensor; src: Tensor; axis: number };
  /**
   * Fused attention: out[b, h, i] = softmax_j(q[b, h, i] · k[b, h / G, j] · scale) · v[b, h / G, j],
   * G = H / Hkv. q [B, H, T, D], k [B, Hkv, S, D], v [B, Hkv, S, Dv], out [B, H, T, Dv] (may be a
   * strided view). mask is bool broadcast to [B, H, T, S], true = may attend; causal: query i sees
   * keys j <= i + S - T. A hidden key scores -1e9, so a row that sees no key averages all keys.
   */
  attention: { q: Tensor; k: Tensor; v: Tensor; mask?: Tensor; causal: boolean; scale: number; out: Tensor };
  /**
   * out[M, N] = act(x[M, K] · weight[N, K]ᵀ + bias[N]) (the nn.Linear layout; bias and activation
   * optional). `cache`: where a backend may keep a prepared copy of weight across calls.
   */
  linear: {
    x: Tensor;
    weight: Tensor;
    bias?: Tensor;
    activation?: LinearActivation;
    cache?: WeightCache;
    out: Tensor;
  };
  /** Copies x into out (same shape; out may be a strided view), converting dtype if they differ. */
  copy: { x: Tensor; out: Tensor };
}

export type OpName = keyof OpArgs;
export type Kernel<K extends OpName> = (args: OpArgs[K]) => void;
export type KernelTable = { [K in OpName]: Kernel<K> };

export interface Backend {
  readonly name: string;
  /** Whether this backend runs the op for these arguments (dtypes, layouts); if not, the next backend does. */
  supports<K extends OpName>(op: K, args: OpArgs[K]): boolean;
  run<K extends OpName>(op: K, args: OpArgs[K]): void;
}
