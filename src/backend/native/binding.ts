/**
 * Loads the native addon (build/Release/frugal_native.node) and types its whole kernel surface.
 * The addon is optional: `loadNative()` says why it is unavailable (disabled by FRUGAL_NATIVE=0,
 * not built, or failed to load) instead of throwing, so callers can fall back to the reference
 * backend. Notation in the kernel docs: element offsets index into the typed arrays, so any view
 * of a larger buffer can be passed without copying; kernels never allocate output memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BinaryOp, ReduceOp as OpReduce, UnaryOp } from '../types.js';

export const ISA_LEVELS = ['avx512', 'avx2', 'scalar'] as const;
export type IsaLevel = (typeof ISA_LEVELS)[number];

export type { BinaryOp, UnaryOp } from '../types.js';

/** Row reductions the addon runs (argmax has its own kernel, argmaxRowsF32). */
export type ReduceOp = Exclude<OpReduce, 'argmax'>;

export interface CpuInfo {
  /** CPU features detected by cpuid (e.g. 'avx2', 'fma', 'avx512vnni'). */
  features: string[];
  /** Best level this CPU supports. */
  detected: IsaLevel;
  /** Level kernels dispatch on now (detected, capped by FRUGAL_CPU_MAX / setIsaMax). */
  level: IsaLevel;
  /** Highest level compiled into the binary. */
  compiled: IsaLevel;
  /** The cap currently set. */
  max: IsaLevel;
  threads: number;
}

/** A batched GEMM over inputs of type In with f32 output; see NativeAddon.gemmF32. */
export type BatchedGemm<In extends Float32Array | Uint16Array> = (
  m: number,
  n: number,
  k: number,
  batch: number,
  a: In,
  aOffset: number,
  lda: number,
  transA: boolean,
  strideA: number,
  b: In,
  bOffset: number,
  ldb: number,
  transB: boolean,
  strideB: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
  strideC: number,
  alpha: number,
  beta: number,
) => void;

/** The native kernel surface. Every array argument is checked for type and bounds by the addon. */
export interface NativeAddon {
  readonly modules: readonly string[];
  cpuInfo(): CpuInfo;
  /** Caps the ISA level; returns the level now in use. */
  setIsaMax(level: IsaLevel): IsaLevel;
  setThreads(n: number): number;
  getThreads(): number;
  /**
   * Batched C[b] = alpha * op(A[b]) . op(B[b]) + beta * C[b]; op(A) is m x k, op(B) is k x n, C is
   * m x n, all row-major with leading dimensions; stride 0 broadcasts A or B over the batch.
   */
  gemmF32: BatchedGemm<Float32Array>;
  /** As gemmF32 with bf16 inputs (Uint16Array bit patterns), f32 accumulation and output. */
  gemmBf16: BatchedGemm<Uint16Array>;
  /**
   * Packs op(B) [k, n] (B [n, k] when transB, the nn.Linear layout) once, in the blocks the active
   * ISA's GEMM kernel reads, for linearF32Packed. f32 only.
   */
  gemmF32PackB(
    n: number,
    k: number,
    b: Float32Array,
    bOffset: number,
    ldb: number,
    transB: boolean,
  ): Float32Array;
  /**
   * c[m, n] (leading dimension ldc) = act(x[m, k] (lda) · op(B) + bias[n]) with op(B) from
   * gemmF32PackB. Returns false, touching nothing, when `packed` was made for another ISA level,
   * shape or address: pack again and retry.
   */
  linearF32Packed(
    m: number,
    n: number,
    k: number,
    x: Float32Array,
    xOffset: number,
    lda: number,
    packed: Float32Array,
    bias: Float32Array | null,
    activation: 'none' | 'gelu_erf' | 'gelu_tanh' | 'relu' | 'silu',
    c: Float32Array,
    cOffset: number,
    ldc: number,
  ): boolean;
  /**
   * Int8 GEMM, A [m, k] row-major (ld k), B [n, k] row-major (the nn.Linear weight layout).
   * out Int32Array: out[i, j] = sum_p A[i, p] * B[j, p] (scales must be null).
   * out Float32Array: out[i, j] = sum_g acc_g[i, j] * scaleA[i] * scaleB[j, g] (+ bias[j]), where
   * groups are groupSize consecutive k (groupSize 0 = one group, scaleB has n entries; otherwise
   * scaleB is [n, k / groupSize]).
   */
  gemmI8(
    m: number,
    n: number,
    k: number,
    a: Int8Array,
    aOffset: number,
    b: Int8Array,
    bOffset: number,
    out: Int32Array | Float32Array,
    outOffset: number,
    scaleA: Float32Array | null,
    scaleB: Float32Array | null,
    bias: Float32Array | null,
    groupSize: number,
  ): void;
  /**
   * Low-bit-weight GEMM: like gemmI8 with groups, but w holds packed codes [n, k * bits / 8]
   * bytes, code k at bit (k * bits) % 8 of byte k * bits / 8: bits 4 and 2 are two's complement,
   * bits 1 maps a set bit to +1 and a clear one to -1. groupSize divides k and is even (bits 4)
   * or a multiple of 8 (bits 2, 1); scaleA [m], scaleW [n, k / groupSize].
   */
  gemmPacked(
    bits: 4 | 2 | 1,
    m: number,
    n: number,
    k: number,
    a: Int8Array,
    aOffset: number,
    w: Int8Array,
    wOffset: number,
    out: Float32Array,
    outOffset: number,
    scaleA: Float32Array,
    scaleW: Float32Array,
    bias: Float32Array | null,
    groupSize: number,
  ): void;
  /** Bytes of a u8 x s8 packed weight [n, k]: n padded to 16, k to 4. */
  gemmU8S8PackedSize(n: number, k: number): number;
  /**
   * Packs int8 weight codes w [n, k] (all |w| <= 64: 7-bit, so vpmaddubsw cannot saturate) once
   * into the u8 x s8 kernel's panels; comp [n padded to 16] gets 128 · sum_k w[j, k].
   */
  packWeightsU8S8(
    n: number,
    k: number,
    w: Int8Array,
    wOffset: number,
    packed: Int8Array,
    comp: Int32Array,
  ): void;
  /**
   * out f32 [m, n] = act(float(sum_k (a[i, k] - 128) · w[j, k]) · scaleA[i] · scaleB[j] (+ bias[j])),
   * a u8 [m, k] (int8 codes + 128, from quantizeRowsU8), w prepacked by packWeightsU8S8; the
   * activation runs on each output tile in cache.
   */
  gemmU8S8(
    m: number,
    n: number,
    k: number,
    a: Uint8Array,
    aOffset: number,
    packed: Int8Array,
    comp: Int32Array,
    out: Float32Array,
    outOffset: number,
    scaleA: Float32Array,
    scaleB: Float32Array,
    bias: Float32Array | null,
    activation: 'none' | 'gelu_erf' | 'gelu_tanh' | 'relu' | 'silu',
  ): void;
  /**
   * gemmU8S8's output quantized token-wise for the next u8 x s8 layer, exactly quantizeRowsU8 of
   * it: codes u8 [m, n] and scales [m]; the f32 output never leaves the cache.
   */
  gemmU8S8Quant(
    m: number,
    n: number,
    k: number,
    a: Uint8Array,
    aOffset: number,
    packed: Int8Array,
    comp: Int32Array,
    codes: Uint8Array,
    codesOffset: number,
    scales: Float32Array,
    scaleA: Float32Array,
    scaleB: Float32Array,
    bias: Float32Array | null,
    activation: 'none' | 'gelu_erf' | 'gelu_tanh' | 'relu' | 'silu',
  ): void;
  /** quantizeRowsI8 with every code shifted by +128 (the A operand of gemmU8S8). */
  quantizeRowsU8(
    rows: number,
    cols: number,
    x: Float32Array,
    xOffset: number,
    out: Uint8Array,
    outOffset: number,
    scales: Float32Array,
    scalesOffset: number,
  ): void;
  /**
   * Packed N:M-sparse GEMM (NxMiFormer): out [rows, outFeatures] = scale[o] · Σ_j code[o, j] ·
   * x[t, (j / n)·m + index[o, j]] + bias[o]; k·n/m codes per output row (bits 8: int8; bits 4:
   * nibbles, low first), indices one little-endian stream of ceil(log2 m)-bit positions
   * (src/compress/sparse-linear.ts).
   */
  gemmSparseNm(
    n: number,
    m: number,
    bits: 8 | 4,
    rows: number,
    outFeatures: number,
    k: number,
    x: Float32Array,
    xOffset: number,
    values: Int8Array,
    indices: Uint8Array,
    scales: Float32Array,
    bias: Float32Array | null,
    out: Float32Array,
    outOffset: number,
  ): void;
  /** Token-wise INT8: per row, scale = max|x| / 127 and q = round-half-even(x * 127 / max|x|). */
  quantizeRowsI8(
    rows: number,
    cols: number,
    x: Float32Array,
    xOffset: number,
    out: Int8Array,
    outOffset: number,
    scales: Float32Array,
    scalesOffset: number,
  ): void;
  /** out[i] = op(x[i]) for i < n; out may alias x. */
  unaryF32(
    op: UnaryOp,
    x: Float32Array,
    xOffset: number,
    out: Float32Array,
    outOffset: number,
    n: number,
  ): void;
  /**
   * out[i] = a[i] op b[(i / inner) % bLen] for i < n; bLen = n (elementwise), 1 (scalar) or a
   * divisor of n (row vector repeated: inner 1; column vector: inner = row length).
   */
  binaryF32(
    op: BinaryOp,
    a: Float32Array,
    aOffset: number,
    b: Float32Array,
    bOffset: number,
    bLen: number,
    inner: number,
    out: Float32Array,
    outOffset: number,
    n: number,
  ): void;
  /** Reduces each row of a contiguous [rows, cols] block into out[rows]. */
  reduceRowsF32(
    op: ReduceOp,
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    out: Float32Array,
    outOffset: number,
  ): void;
  /** Index of the first maximum of each row (NaN counts as the maximum). */
  argmaxRowsF32(
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    out: Int32Array,
    outOffset: number,
  ): void;
  /** Row-wise softmax (log = false) or log-softmax over [rows, cols]; out may alias x. */
  softmaxRowsF32(
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    out: Float32Array,
    outOffset: number,
    log: boolean,
  ): void;
  /** Row-wise layer norm: (x - mean) / sqrt(var + eps) * gamma + beta; gamma/beta have cols entries. */
  layerNormRowsF32(
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    eps: number,
    out: Float32Array,
    outOffset: number,
  ): void;
  /** layerNormRowsF32 of x + residual (both [rows, cols]); out may alias either. */
  addLayerNormRowsF32(
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    residual: Float32Array,
    residualOffset: number,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    eps: number,
    out: Float32Array,
    outOffset: number,
  ): void;
  /**
   * layerNormRowsF32 of x (+ residual, when given) into out, and out quantized token-wise into
   * codes u8 [rows, cols] / scales [rows], exactly as quantizeRowsU8 of out.
   */
  layerNormQuantRowsF32(
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    residual: Float32Array | null,
    residualOffset: number,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    eps: number,
    out: Float32Array,
    outOffset: number,
    codes: Uint8Array,
    scales: Float32Array,
  ): void;
  /** Row-wise RMS norm: x / sqrt(mean(x^2) + eps) * gamma. */
  rmsNormRowsF32(
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    gamma: Float32Array | null,
    eps: number,
    out: Float32Array,
    outOffset: number,
  ): void;
  /**
   * Fused attention over f32 [B, H, T, D] queries and [B, Hkv, S, D | Dv] keys/values with
   * contiguous last axes; `geom` (order in attention.ts) holds the sizes, causal flag, and each
   * operand's element offset and strides; mask is bool storage (1 = may attend) or null.
   */
  attentionF32(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    out: Float32Array,
    mask: Uint8Array | null,
    geom: Int32Array,
    scale: number,
  ): void;
  /** f32 -> bf16 bits, round to nearest even (NaN stays NaN). */
  f32ToBf16(x: Float32Array, xOffset: number, out: Uint16Array, outOffset: number, n: number): void;
  bf16ToF32(x: Uint16Array, xOffset: number, out: Float32Array, outOffset: number, n: number): void;
  /** f32 -> IEEE half bits, round to nearest even (F16C when available). */
  f32ToF16(x: Float32Array, xOffset: number, out: Uint16Array, outOffset: number, n: number): void;
  f16ToF32(x: Uint16Array, xOffset: number, out: Float32Array, outOffset: number, n: number): void;
  /** Measured FMA peak in GFLOP/s over `threads` threads for about `milliseconds`, at the active ISA. */
  fmaPeak(threads: number, milliseconds: number): number;
  /**
   * Softmax (log = false: dx = y (g - sum(g y))) or log-softmax (log = true: dx = g - exp(y)
   * sum(g)) backward over [rows, cols] rows of the forward output y.
   */
  softmaxGradRowsF32(
    log: boolean,
    y: Float32Array,
    yOffset: number,
    g: Float32Array,
    gOffset: number,
    rows: number,
    cols: number,
    dx: Float32Array,
    dxOffset: number,
  ): void;
  /**
   * out[outOffset + i] (contiguous) = cond ? a : b elementwise over views of one shape (rank <= 8,
   * stride 0 broadcasts); cond holds bool bytes.
   */
  whereF32(
    shape: Int32Array,
    cond: Uint8Array,
    condOffset: number,
    condStrides: Int32Array,
    a: Float32Array,
    aOffset: number,
    aStrides: Int32Array,
    b: Float32Array,
    bOffset: number,
    bStrides: Int32Array,
    out: Float32Array,
    outOffset: number,
  ): void;
  /** Activation backward: out[i] = g[i] * f'(x[i]) for i < n (out may alias g). */
  actGradF32(
    op: 'gelu_tanh' | 'gelu_erf' | 'silu',
    x: Float32Array,
    xOffset: number,
    g: Float32Array,
    gOffset: number,
    out: Float32Array,
    outOffset: number,
    n: number,
  ): void;
  /**
   * Layer norm (rms = false) or RMS norm backward over [rows, cols] rows, statistics recomputed
   * from x: writes dx, and dgamma = sum over rows of g * xhat, dbeta = sum of g when non-null
   * (cols entries each; dbeta must be null for RMS norm). gamma null means ones.
   */
  normGradRowsF32(
    rms: boolean,
    x: Float32Array,
    xOffset: number,
    rows: number,
    cols: number,
    gamma: Float32Array | null,
    g: Float32Array,
    gOffset: number,
    eps: number,
    dx: Float32Array,
    dxOffset: number,
    dgamma: Float32Array | null,
    dbeta: Float32Array | null,
  ): void;
  /**
   * Copies a strided f32 view into another (same shape, any strides >= 0 or < 0, rank <= 8):
   * out[outOffset + sum(i_d outStrides_d)] = x[xOffset + sum(i_d xStrides_d)].
   */
  copyStridedF32(
    shape: Int32Array,
    x: Float32Array,
    xOffset: number,
    xStrides: Int32Array,
    out: Float32Array,
    outOffset: number,
    outStrides: Int32Array,
  ): void;
  /**
   * out[o, j, :] = table[o, indices[j], :] for j < n, around one axis of a contiguous
   * [outer, rows, inner] table; out is contiguous [outer, n, inner] (indices are checked against
   * rows before anything is written).
   */
  gatherRowsF32(
    table: Float32Array,
    tableOffset: number,
    outer: number,
    rows: number,
    inner: number,
    indices: Int32Array,
    indicesOffset: number,
    n: number,
    out: Float32Array,
    outOffset: number,
  ): void;
  /**
   * In place, around one axis of a contiguous [outer, rows, inner] target: target[o, indices[j], :]
   * += src[o, j, :] for j < n, repeated indices summed in index order (indices are checked
   * against rows before anything is written).
   */
  scatterAddRowsF32(
    target: Float32Array,
    targetOffset: number,
    outer: number,
    rows: number,
    inner: number,
    indices: Int32Array,
    indicesOffset: number,
    n: number,
    src: Float32Array,
    srcOffset: number,
  ): void;
  /**
   * Fused SGD step in place over p[pOffset..+n] with g[gOffset..+n]: d = g + weightDecay * p;
   * with momentum (buf non-null, n entries) buf = momentum * buf + d and d = buf (or d + momentum *
   * buf when nesterov); p -= lr * d.
   */
  sgdStepF32(
    p: Float32Array,
    pOffset: number,
    g: Float32Array,
    gOffset: number,
    n: number,
    buf: Float32Array | null,
    lr: number,
    weightDecay: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  /**
   * Fused Adam/AdamW step in place: g' = g + l2 * p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
   * p = p * shrink - lr * invC1 * m / (sqrt(v * invC2) + eps). m and v hold n entries.
   */
  adamStepF32(
    p: Float32Array,
    pOffset: number,
    g: Float32Array,
    gOffset: number,
    n: number,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    invC1: number,
    invC2: number,
    l2: number,
    shrink: number,
  ): void;
  /**
   * Fused LAMB step in place: m, v as Adam; u = m invC1 / (sqrt(v invC2) + eps) + weightDecay * p;
   * p -= lr * trust * u with trust = ||p|| / ||u|| (1 when either is 0). Returns trust.
   */
  lambStepF32(
    p: Float32Array,
    pOffset: number,
    g: Float32Array,
    gOffset: number,
    n: number,
    m: Float32Array,
    v: Float32Array,
    u: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    invC1: number,
    invC2: number,
    weightDecay: number,
  ): number;
}

export type NativeLoad = { available: true; addon: NativeAddon } | { available: false; reason: string };

/** The package root: two levels above src/backend/native (tsx) or dist/backend/native (built). */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

function buildStatusReason(root: string): string | undefined {
  const statusFile = join(root, 'build', 'native-build-status.json');
  if (!existsSync(statusFile)) return undefined;
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { ok?: boolean; reason?: string };
    return status.ok ? undefined : status.reason;
  } catch {
    return undefined;
  }
}

let cached: NativeLoad | undefined;

/**
 * Loads the addon once per process; FRUGAL_NATIVE=0 disables it, FRUGAL_NATIVE_PATH points at a
 * .node file built elsewhere (e.g. a private build directory while developing kernels).
 */
export function loadNative(): NativeLoad {
  if (process.env.FRUGAL_NATIVE === '0') return { available: false, reason: 'disabled by FRUGAL_NATIVE=0' };
  if (cached) return cached;
  const root = packageRoot();
  const file = process.env.FRUGAL_NATIVE_PATH || join(root, 'build', 'Release', 'frugal_native.node');
  if (!existsSync(file)) {
    const why = buildStatusReason(root) ?? 'the build step has not run';
    cached = { available: false, reason: `native addon not built (${why}); run \`npm rebuild frugal\`` };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = { available: true, addon: require(file) as NativeAddon };
  } catch (e) {
    cached = { available: false, reason: `native addon failed to load: ${(e as Error).message}` };
  }
  return cached;
}
