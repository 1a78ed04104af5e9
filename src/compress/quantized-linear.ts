/**
 * A Linear layer with quantized weights (ZeroQuant INT8 or packed INT4; XTC packed ternary or
 * binary) and token-wise dynamic INT8 activations: forward quantizes x per token, runs the integer
 * GEMM (gemmI8 for W8A8, gemmPacked for 4/2/1-bit weights) and applies both scales and the bias
 * in the GEMM epilogue, so no
 * dequantized weight is ever materialized. Inference only: the output carries no gradient.
 *
 * State-dict entries: `weight` (i8 [out, in] or u8 [out, in · bits / 8]), `weight_scale`
 * (f32 [out, in / groupSize]) and `bias` (f32 [out]) when the layer has one.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import type { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { cast } from '../ops/elementwise.js';
import { quantizedLinear } from '../ops/linalg.js';
import { contiguous, reshape } from '../ops/shape-ops.js';
import { tidy } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import { quantizeTokens } from './activation-quant.js';
import { packedLinear } from './packed-linear.js';
import {
  type QuantizedWeight,
  quantizeWeight,
  type WeightBits,
  type WeightQuantOptions,
} from './weight-quant.js';

/** Shape and quantization of one layer, as recorded in compressed checkpoints. */
export interface LayerLayout {
  bits: WeightBits;
  groupSize: number;
  inFeatures: number;
  outFeatures: number;
}

export class QuantizedLinear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bits: WeightBits;
  readonly groupSize: number;
  readonly weight: Variable;
  readonly weightScale: Variable;
  readonly bias: Variable | undefined;

  /** Takes ownership of the weight's tensors and of `bias`. */
  constructor(q: QuantizedWeight, bias?: Tensor) {
    super();
    this.inFeatures = q.inFeatures;
    this.outFeatures = q.outFeatures;
    this.bits = q.bits;
    this.groupSize = q.groupSize;
    this.weight = this.addParam('weight', q.codes);
    this.weightScale = this.addParam('weight_scale', q.scales);
    this.bias = bias ? this.addParam('bias', bias) : undefined;
    // Integer codes cannot take gradient steps; LKD trains an f32 shadow instead.
    this.freeze();
  }

  static fromLinear(linear: Linear, opts: WeightQuantOptions, where = 'Linear'): QuantizedLinear {
    const q = quantizeWeight(linear.weight.value, opts, where);
    return new QuantizedLinear(q, linear.bias ? cast(linear.bias.value, 'f32') : undefined);
  }

  /** A zero-filled layer of the given layout, to be filled by loadStateDict (loading checkpoints). */
  static placeholder(layout: LayerLayout, bias: boolean): QuantizedLinear {
    const { bits, groupSize, inFeatures, outFeatures } = layout;
    const codes =
      bits === 8
        ? Tensor.empty('i8', [outFeatures, inFeatures])
        : Tensor.empty('u8', [outFeatures, (inFeatures * bits) / 8]);
    const scales = Tensor.empty('f32', [outFeatures, inFeatures / groupSize]);
    const q: QuantizedWeight = { bits, groupSize, inFeatures, outFeatures, codes, scales };
    return new QuantizedLinear(q, bias ? Tensor.empty('f32', [outFeatures]) : undefined);
  }

  /** Bytes held by codes, scales and bias. */
  byteSize(): number {
    return this.weight.value.size + 4 * this.weightScale.value.size + 4 * (this.bias?.value.size ?? 0);
  }

  forward(x: Variable): Variable {
    const op = 'QuantizedLinear';
    if (x.shape.length < 2 || x.shape[x.shape.length - 1] !== this.inFeatures || x.value.dtype !== 'f32') {
      throw new FrugalError(
        'E_SHAPE',
        `QuantizedLinear expects f32 [..., ${this.inFeatures}] with a batch axis`,
        {
          op,
          shapes: [x.shape],
        },
      );
    }
    const lead = x.shape.slice(0, -1);
    const y = tidy(() => {
      const rows = reshape(x.value.isContiguous ? x.value : contiguous(x.value), [-1, this.inFeatures]);
      const { codes, scales } = quantizeTokens(rows);
      const args = {
        a: codes,
        scaleA: scales,
        w: this.weight.value,
        scaleW: this.weightScale.value,
        groupSize: this.groupSize,
        ...(this.bias ? { bias: this.bias.value } : {}),
      };
      const out = this.bits === 8 ? quantizedLinear(args) : packedLinear({ ...args, bits: this.bits });
      return reshape(out, [...lead, this.outFeatures]);
    });
    return A.constant(y);
  }
}
