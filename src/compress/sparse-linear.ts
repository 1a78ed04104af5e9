/**
 * The packed N:M + INT8/INT4 inference layer (NxMiFormer) and its GEMM.
 *
 * Storage, per output row o (row-major over rows):
 *   values  — the kept weights' codes, in block order: INT8 as i8 [out, in·N/M]; INT4 as two's
 *             complement nibbles, low nibble first, u8 [out, in·N/M/2];
 *   indices — each kept weight's position inside its M-block, ceil(log2 M) bits, one little-endian
 *             bit stream over the whole layer (nm-sparsity.ts packNm's format), u8;
 *   scales  — one f32 per output row (symmetric, max|w| / qmax over the row's kept weights).
 * y[t, o] = scale[o] · Σ_j code[o, j] · x[t, (j div N)·M + index[o, j]] + bias[o]: only the kept
 * weights are multiplied (N/M of the dense work) and no dense weight is ever rebuilt. Activations
 * stay f32 (weight-only quantization). The native kernel (native/src/sparse-nm.cc) reads these
 * arrays directly; the TypeScript loop below is its oracle.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Module } from '../nn/module.js';
import { contiguous, reshape } from '../ops/shape-ops.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { quantAddon } from './native.js';
import { packNm } from './nm-sparsity.js';
import type { NxmLinear } from './nxm-linear.js';
import { indexBitsOf, type NxmBytes, type NxmSpec, patternOf, specName } from './nxm-spec.js';
import { packCodes } from './packed-codes.js';
import { f32Data, i8Data, u8Data } from './tensor-data.js';
import { quantizeValues } from './weight-quant.js';

export interface SparsePacked {
  spec: NxmSpec;
  outFeatures: number;
  inFeatures: number;
  values: Int8Array | Uint8Array;
  indices: Uint8Array;
  scales: Float32Array;
}

/** What a compressed checkpoint records per packed layer, to rebuild it before loading its tensors. */
export interface SparseLayout {
  path: string;
  inFeatures: number;
  outFeatures: number;
  /** "N:M/intB" (nxm-spec.ts parseSpec). */
  spec: string;
}

/** Packs an N:M-sparse f32 weight [out, in] (zeros outside its mask) with per-row scales. */
export function packSparse(
  w: Float32Array,
  outFeatures: number,
  inFeatures: number,
  spec: NxmSpec,
): SparsePacked {
  const packed = packNm(w, outFeatures, inFeatures, patternOf(spec));
  const perRow = (inFeatures * spec.n) / spec.m;
  const { codes, scales } = quantizeValues(packed.values, outFeatures, perRow, spec.bits, perRow);
  if (spec.bits === 4 && perRow % 2 !== 0) {
    throw new FrugalError('E_SHAPE', `INT4 needs an even number of kept weights per row, got ${perRow}`, {
      op: 'packSparse',
      shapes: [[outFeatures, inFeatures]],
    });
  }
  return {
    spec,
    outFeatures,
    inFeatures,
    values: spec.bits === 8 ? codes : packCodes(codes, 4),
    indices: packed.indices,
    scales,
  };
}

const nibble = (b: number, hi: boolean): number => {
  const v = hi ? b >> 4 : b & 15;
  return v >= 8 ? v - 16 : v;
};

/** The reference sparse GEMM: x f32 [rows, in] → f32 [rows, out]. */
export function sparseLinearReference(
  p: SparsePacked,
  x: Float32Array,
  rows: number,
  bias?: Float32Array,
): Float32Array {
  const { spec, outFeatures: n, inFeatures: k } = p;
  const perRow = (k * spec.n) / spec.m;
  const bitsIdx = Math.ceil(Math.log2(spec.m));
  const col = new Int32Array(perRow);
  const val = new Float32Array(perRow);
  const out = new Float32Array(rows * n);
  for (let o = 0; o < n; o++) {
    for (let j = 0; j < perRow; j++) {
      const bit0 = (o * perRow + j) * bitsIdx;
      let idx = 0;
      for (let b = 0; b < bitsIdx; b++) idx |= ((p.indices[(bit0 + b) >> 3]! >> ((bit0 + b) & 7)) & 1) << b;
      col[j] = Math.floor(j / spec.n) * spec.m + idx;
      const c = o * perRow + j;
      val[j] = spec.bits === 8 ? p.values[c]! : nibble(p.values[c >> 1]!, (c & 1) === 1);
    }
    const s = p.scales[o]!;
    const b = bias ? bias[o]! : 0;
    for (let t = 0; t < rows; t++) {
      let acc = 0;
      for (let j = 0; j < perRow; j++) acc += val[j]! * x[t * k + col[j]!]!;
      out[t * n + o] = Math.fround(Math.fround(acc) * s + b);
    }
  }
  return out;
}

/** x f32 [rows, in] → f32 [rows, out], on the native kernel when the addon has it. */
export function sparseLinear(
  p: SparsePacked,
  x: Float32Array,
  rows: number,
  bias?: Float32Array,
): Float32Array {
  const addon = quantAddon();
  if (!addon || typeof addon.gemmSparseNm !== 'function') return sparseLinearReference(p, x, rows, bias);
  const out = new Float32Array(rows * p.outFeatures);
  const values =
    p.values instanceof Int8Array
      ? p.values
      : new Int8Array(p.values.buffer, p.values.byteOffset, p.values.length);
  addon.gemmSparseNm(
    p.spec.n,
    p.spec.m,
    p.spec.bits,
    rows,
    p.outFeatures,
    p.inFeatures,
    x,
    0,
    values,
    p.indices,
    p.scales,
    bias ?? null,
    out,
    0,
  );
  return out;
}

/**
 * Drop-in for nn.Linear at inference. State dict: `weight` (codes: i8 or packed-INT4 u8),
 * `weight_index` (u8 metadata), `weight_scale` (f32 [out]), `bias` (f32 [out]) when present.
 */
export class SparseQuantizedLinear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly spec: NxmSpec;
  readonly weight: Variable;
  readonly weightIndex: Variable;
  readonly weightScale: Variable;
  readonly bias: Variable | undefined;

  constructor(p: SparsePacked, bias?: Tensor) {
    super();
    this.spec = p.spec;
    this.inFeatures = p.inFeatures;
    this.outFeatures = p.outFeatures;
    this.weight = this.addParam(
      'weight',
      tensor(p.values, { shape: [p.outFeatures, p.values.length / p.outFeatures] }),
    );
    this.weightIndex = this.addParam('weight_index', tensor(p.indices));
    this.weightScale = this.addParam('weight_scale', tensor(p.scales));
    this.bias = bias ? this.addParam('bias', bias) : undefined;
    this.freeze();
  }

  /** An all-zero layer with the tensor shapes of `spec`, for loadStateDict to fill. */
  static placeholder(
    spec: NxmSpec,
    outFeatures: number,
    inFeatures: number,
    bias: boolean,
  ): SparseQuantizedLinear {
    const kept = (outFeatures * inFeatures * spec.n) / spec.m;
    return new SparseQuantizedLinear(
      {
        spec,
        outFeatures,
        inFeatures,
        values: spec.bits === 8 ? new Int8Array(kept) : new Uint8Array(kept / 2),
        indices: new Uint8Array(Math.ceil((kept * indexBitsOf(spec.m)) / 8)),
        scales: new Float32Array(outFeatures),
      },
      bias ? tensor(new Float32Array(outFeatures)) : undefined,
    );
  }

  static fromNxm(layer: NxmLinear): SparseQuantizedLinear {
    const p = packSparse(layer.maskedWeight(), layer.outFeatures, layer.inFeatures, layer.spec);
    return new SparseQuantizedLinear(p, layer.bias ? tensor(f32Data(layer.bias.value).slice()) : undefined);
  }

  packed(): SparsePacked {
    const w = this.weight.value;
    return {
      spec: this.spec,
      outFeatures: this.outFeatures,
      inFeatures: this.inFeatures,
      values: w.dtype === 'i8' ? i8Data(w) : u8Data(w),
      indices: u8Data(this.weightIndex.value),
      scales: f32Data(this.weightScale.value),
    };
  }

  layout(path: string): SparseLayout {
    return { path, inFeatures: this.inFeatures, outFeatures: this.outFeatures, spec: specName(this.spec) };
  }

  /** Bytes of codes, metadata and scales (the bias excluded, as in every NxM ratio). */
  bytes(): NxmBytes {
    return {
      fp32: 4 * this.outFeatures * this.inFeatures,
      values: this.weight.value.size,
      metadata: this.weightIndex.value.size,
      scales: 4 * this.weightScale.value.size,
    };
  }

  /** MLP asks its first projection for a fused activation; this layer has none (MLP then runs it). */
  forwardFused(): undefined {
    return undefined;
  }

  forward(x: Variable): Variable {
    if (x.shape.length < 2 || x.shape[x.shape.length - 1] !== this.inFeatures || x.value.dtype !== 'f32') {
      throw new FrugalError(
        'E_SHAPE',
        `SparseQuantizedLinear expects f32 [..., ${this.inFeatures}] with a batch axis`,
        {
          op: 'SparseQuantizedLinear',
          shapes: [x.shape],
        },
      );
    }
    const lead = x.shape.slice(0, -1);
    const y = tidy(() => {
      const rows = reshape(x.value.isContiguous ? x.value : contiguous(x.value), [-1, this.inFeatures]);
      const n = rows.shape[0]!;
      const out = sparseLinear(
        this.packed(),
        f32Data(rows),
        n,
        this.bias ? f32Data(this.bias.value) : undefined,
      );
      return tensor(out, { shape: [...lead, this.outFeatures] });
    });
    return A.constant(y);
  }
}
