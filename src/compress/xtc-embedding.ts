/**
 * An embedding table with quantized rows (XTC quantizes the embeddings too): codes [vocab, dim]
 * as i8 (8 bits) or packed u8 [vocab, dim · bits / 8] (4/2/1 bits), one f32 scale per row. A
 * lookup decodes only the rows it gathers, so the f32 table is never rebuilt. Inference only.
 *
 * State-dict entries: `weight` (codes) and `weight_scale` (f32 [vocab, 1]).
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Module } from '../nn/module.js';
import { contiguous } from '../ops/shape-ops.js';
import { tensor } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { unpackCodes } from './packed-codes.js';
import { f32Data, i8Data, u8Data } from './tensor-data.js';
import { type QuantizedWeight, quantizeWeight, type WeightBits } from './weight-quant.js';

/** Shape and width of one quantized table, as recorded in compressed checkpoints. */
export interface EmbeddingLayout {
  path: string;
  bits: WeightBits;
  vocabSize: number;
  dim: number;
}

export class QuantizedEmbedding extends Module {
  readonly vocabSize: number;
  readonly dim: number;
  readonly bits: WeightBits;
  readonly weight: Variable;
  readonly weightScale: Variable;

  /** Takes ownership of the weight's tensors (one group per row: groupSize = dim). */
  constructor(q: QuantizedWeight) {
    super();
    if (q.groupSize !== q.inFeatures) {
      throw new FrugalError('E_CONFIG', `an embedding has one scale per row, got groups of ${q.groupSize}`, {
        op: 'QuantizedEmbedding',
        field: 'groupSize',
        hint: `quantize the table with groupSize ${q.inFeatures}`,
      });
    }
    this.vocabSize = q.outFeatures;
    this.dim = q.inFeatures;
    this.bits = q.bits;
    this.weight = this.addParam('weight', q.codes);
    this.weightScale = this.addParam('weight_scale', q.scales);
    this.freeze();
  }

  static fromTable(table: Tensor, bits: WeightBits, where = 'embedding'): QuantizedEmbedding {
    return new QuantizedEmbedding(quantizeWeight(table, { bits }, where));
  }

  /** A zero-filled table of the given layout, to be filled by loadStateDict. */
  static placeholder(layout: Omit<EmbeddingLayout, 'path'>): QuantizedEmbedding {
    const { bits, vocabSize, dim } = layout;
    const codes =
      bits === 8 ? Tensor.empty('i8', [vocabSize, dim]) : Tensor.empty('u8', [vocabSize, (dim * bits) / 8]);
    const scales = Tensor.empty('f32', [vocabSize, 1]);
    return new QuantizedEmbedding({
      bits,
      groupSize: dim,
      inFeatures: dim,
      outFeatures: vocabSize,
      codes,
      scales,
    });
  }

  byteSize(): number {
    return this.weight.value.size + 4 * this.weightScale.value.size;
  }

  /** i32 ids of any shape → f32 [...ids.shape, dim]. */
  forward(ids: Tensor): Variable {
    if (ids.dtype !== 'i32') {
      throw new FrugalError('E_DTYPE', `embedding ids must be i32, got ${ids.dtype}`, {
        op: 'QuantizedEmbedding',
        field: 'ids',
      });
    }
    const dense = ids.isContiguous ? ids : contiguous(ids);
    const flat = (dense.data as Int32Array).subarray(dense.offset, dense.offset + dense.size);
    const scales = f32Data(this.weightScale.value);
    const rowBytes = (this.dim * this.bits) / 8;
    const codes = this.bits === 8 ? i8Data(this.weight.value) : u8Data(this.weight.value);
    const out = new Float32Array(flat.length * this.dim);
    for (let i = 0; i < flat.length; i++) {
      const id = flat[i]!;
      if (id < 0 || id >= this.vocabSize) {
        if (dense !== ids) dense.dispose();
        throw new FrugalError('E_INDEX', `token id ${id} is outside the vocabulary [0, ${this.vocabSize})`, {
          op: 'QuantizedEmbedding',
          field: 'ids',
        });
      }
      const row =
        this.bits === 8
          ? (codes as Int8Array).subarray(id * this.dim, (id + 1) * this.dim)
          : unpackCodes((codes as Uint8Array).subarray(id * rowBytes, (id + 1) * rowBytes), this.bits);
      const s = scales[id]!;
      for (let j = 0; j < this.dim; j++) out[i * this.dim + j] = Math.fround(row[j]! * s);
    }
    if (dense !== ids) dense.dispose();
    return A.constant(tensor(out, { shape: [...ids.shape, this.dim] }));
  }
}
