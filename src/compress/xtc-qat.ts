/**
 * XTC quantization-aware training: every Linear to be compressed becomes a QatLinear (an f32
 * weight trained through a straight-through estimator of its ternary / binary rounding, and
 * token-wise INT8 fake-quantized inputs, exactly what QuantizedLinear computes at inference), and
 * chosen embedding tables a QatEmbedding (rows rounded the same way). After training, finalizeQat
 * swaps in the packed inference modules and returns their layouts for the checkpoint.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { cast, mul, sub } from '../ops/elementwise.js';
import { contiguous, reshape } from '../ops/shape-ops.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import { quantizeTokens } from './activation-quant.js';
import { findLayers } from './layers.js';
import { steWeight } from './lkd.js';
import type { LayerPlan } from './quantize-model.js';
import { QuantizedLinear } from './quantized-linear.js';
import { f32Data } from './tensor-data.js';
import { quantizeWeight, resolveGroupSize, TERNARY_THRESHOLD, type WeightBits } from './weight-quant.js';
import { type EmbeddingLayout, QuantizedEmbedding } from './xtc-embedding.js';

// q, k and v read the same input: it is fake-quantized once per forward pass.
const quantizedInputs = new WeakMap<Variable, Variable>();

/**
 * x + stopgrad(q8(x) - x): token-wise INT8 in the forward pass (the native quantizer QuantizedLinear
 * runs at inference), identity in the backward pass.
 */
export function fakeQuantTokens(x: Variable): Variable {
  const seen = quantizedInputs.get(x);
  if (seen && !seen.value.isDisposed) return seen;
  const k = x.shape[x.shape.length - 1]!;
  const delta = tidy(() => {
    const rows = contiguous(reshape(x.value, [-1, k]));
    const { codes, scales } = quantizeTokens(rows);
    const fq = mul(cast(codes, 'f32'), reshape(scales, [-1, 1]));
    return reshape(sub(fq, rows), x.shape);
  });
  const out = A.add(x, A.constant(delta));
  quantizedInputs.set(x, out);
  return out;
}

/**
 * XTC ternary (bits 2) or binary (bits 1) rounding minus the values, one scale per `group`
 * consecutive values: the same codes and scales as quantizeValues, fused into one pass per group.
 */
export function lowBitDelta(v: Float32Array, group: number, bits: 2 | 1): Float32Array {
  const out = new Float32Array(v.length);
  for (let s = 0; s < v.length; s += group) {
    const e = s + group;
    let sumAbs = 0;
    for (let i = s; i < e; i++) sumAbs += Math.abs(v[i]!);
    if (bits === 1) {
      const a = Math.fround(sumAbs / group);
      for (let i = s; i < e; i++) out[i] = (v[i]! >= 0 ? a : -a) - v[i]!;
      continue;
    }
    const threshold = (TERNARY_THRESHOLD * sumAbs) / group;
    let kept = 0;
    let keptAbs = 0;
    for (let i = s; i < e; i++) {
      const a = Math.abs(v[i]!);
      if (a > threshold) {
        kept++;
        keptAbs += a;
      }
    }
    const scale = kept === 0 ? 0 : Math.fround(keptAbs / kept);
    for (let i = s; i < e; i++) {
      const x = v[i]!;
      out[i] = (Math.abs(x) > threshold ? (x > 0 ? scale : -scale) : 0) - x;
    }
  }
  return out;
}

/** w + stopgrad(deq(q(w)) - w) along the last axis in groups of `group`. */
function steLowBit(w: Variable, bits: WeightBits, group: number): Variable {
  if (bits !== 2 && bits !== 1) return steWeight(w, bits, group);
  const delta = lowBitDelta(f32Data(w.value), group, bits);
  return A.add(w, A.constant(tensor(delta, { shape: [...w.shape] })));
}

export class QatLinear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Variable;
  readonly bias: Variable | undefined;

  /** Copies the Linear's weights (the Linear is left to the caller to dispose). */
  constructor(
    linear: Linear,
    readonly bits: WeightBits,
    readonly groupSize: number,
  ) {
    super();
    this.inFeatures = linear.inFeatures;
    this.outFeatures = linear.outFeatures;
    this.weight = this.addParam('weight', cast(linear.weight.value, 'f32'));
    this.bias = linear.bias ? this.addParam('bias', cast(linear.bias.value, 'f32')) : undefined;
  }

  forward(x: Variable): Variable {
    const y = A.matmul(fakeQuantTokens(x), steWeight(this.weight, this.bits, this.groupSize), {
      transB: true,
    });
    return this.bias ? A.add(y, this.bias) : y;
  }

  toQuantized(where: string): QuantizedLinear {
    const q = quantizeWeight(this.weight.value, { bits: this.bits, groupSize: this.groupSize }, where);
    return new QuantizedLinear(q, this.bias ? cast(this.bias.value, 'f32') : undefined);
  }
}

export class QatEmbedding extends Module {
  readonly vocabSize: number;
  readonly dim: number;
  readonly weight: Variable;

  constructor(
    table: Embedding,
    readonly bits: WeightBits,
  ) {
    super();
    this.vocabSize = table.vocabSize;
    this.dim = table.dim;
    this.weight = this.addParam('weight', cast(table.weight.value, 'f32'));
  }

  /** One scale per row: rounding the gathered rows equals gathering the rounded table, at a fraction of the cost. */
  forward(ids: Parameters<Embedding['forward']>[0]): Variable {
    if (this.bits !== 2 && this.bits !== 1)
      return A.embedding(steWeight(this.weight, this.bits, this.dim), ids);
    return steLowBit(A.embedding(this.weight, ids), this.bits, this.dim);
  }

  toQuantized(where: string): QuantizedEmbedding {
    return QuantizedEmbedding.fromTable(this.weight.value, this.bits, where);
  }
}

export interface QatOptions {
  /** Width of the Linear weights: 2 (ternary) or 1 (binary); 8 and 4 work too. */
  bits: WeightBits;
  /** Input features per scale (default: one scale per output row, as in XTC). */
  groupSize?: number;
  /** Dotted paths of Linear layers left in f32 (default: the classifier, which is 2 rows). */
  keepF32?: readonly string[];
  /** Embedding tables to quantize, by path, and their width. */
  embeddings?: readonly { path: string; bits: WeightBits }[];
}

/** Replaces the model's Linear layers (all but keepF32) and chosen embeddings with QAT modules, in place. */
export function prepareQat(model: Module, opts: QatOptions): void {
  const keep = new Set(opts.keepF32 ?? ['classifier']);
  for (const site of findLayers(model, (m): m is Linear => m instanceof Linear)) {
    if (keep.has(site.path)) continue;
    const g = resolveGroupSize(
      { bits: opts.bits, groupSize: opts.groupSize ?? site.layer.inFeatures },
      site.layer.inFeatures,
      site.path,
    );
    site.parent.replaceChild(site.name, new QatLinear(site.layer, opts.bits, g));
    site.layer.dispose();
  }
  const wanted = new Map((opts.embeddings ?? []).map((e) => [e.path, e.bits]));
  for (const site of findLayers(model, (m): m is Embedding => m instanceof Embedding)) {
    const bits = wanted.get(site.path);
    if (bits === undefined) continue;
    resolveGroupSize({ bits }, site.layer.dim, site.path);
    site.parent.replaceChild(site.name, new QatEmbedding(site.layer, bits));
    site.layer.dispose();
    wanted.delete(site.path);
  }
  for (const path of wanted.keys()) {
    throw new FrugalError('E_NOT_FOUND', `the model has no embedding table ${path}`, {
      op: 'prepareQat',
      field: 'embeddings',
      hint: 'BERT tables: wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings',
    });
  }
}

export interface QatLayouts {
  layers: (LayerPlan & { bytesBefore: number; bytesAfter: number })[];
  embeddings: (EmbeddingLayout & { bytesBefore: number; bytesAfter: number })[];
}

/** Swaps every QAT module for its packed inference module, in place; returns their layouts. */
export function finalizeQat(model: Module): QatLayouts {
  const out: QatLayouts = { layers: [], embeddings: [] };
  for (const site of findLayers(model, (m): m is QatLinear => m instanceof QatLinear)) {
    const q = site.layer.toQuantized(site.path);
    const { bits, groupSize, inFeatures, outFeatures } = site.layer;
    const bytesBefore = 4 * site.layer.parameterCount();
    site.parent.replaceChild(site.name, q);
    site.layer.dispose();
    out.layers.push({
      path: site.path,
      role: site.role,
      bits,
      groupSize,
      inFeatures,
      outFeatures,
      bytesBefore,
      bytesAfter: q.byteSize(),
    });
  }
  for (const site of findLayers(model, (m): m is QatEmbedding => m instanceof QatEmbedding)) {
    const q = site.layer.toQuantized(site.path);
    const { bits, vocabSize, dim } = site.layer;
    const bytesBefore = 4 * site.layer.parameterCount();
    site.parent.replaceChild(site.name, q);
    site.layer.dispose();
    out.embeddings.push({ path: site.path, bits, vocabSize, dim, bytesBefore, bytesAfter: q.byteSize() });
  }
  return out;
}
