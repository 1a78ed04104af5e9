/**
 * A Linear layer with quantized weights (ZeroQuant INT8 or packed INT4; XTC packed ternary or
 * binary) and token-wise dynamic INT8 activations: forward quantizes x per token, runs the integer
 * GEMM (gemmI8 for W8A8, gemmPacked for 4/2/1-bit weights) and applies both scales and the bias
 * in the GEMM epilogue, so no
 * dequantized weight is ever materialized. Inference only: the output carries no gradient.
 * INT8 weights with 7-bit codes (|w| <= 64) and one scale per row take the u8 x s8 kernel
 * (u8s8-linear.ts) when the addon is loaded: the weight is packed for it on the first forward and
 * the pack is kept beside the codes (repacked only if the weight tensor is replaced).
 *
 * State-dict entries: `weight` (i8 [out, in] or u8 [out, in · bits / 8]), `weight_scale`
 * (f32 [out, in / groupSize]) and `bias` (f32 [out]) when the layer has one.
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import type { NativeAddon } from '../backend/native/binding.js';
import { FrugalError } from '../core/errors.js';
import type { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { cast } from '../ops/elementwise.js';
import { quantizedLinear } from '../ops/linalg.js';
import type { LinearActivation } from '../ops/linear.js';
import { contiguous, reshape } from '../ops/shape-ops.js';
import { tidy } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import { quantizeTokens, quantizeTokensU8, releaseU8, takeU8 } from './activation-quant.js';
import { quantAddon } from './native.js';
import { packedLinear } from './packed-linear.js';
import { f32Data, i8Data } from './tensor-data.js';
import {
  fitsU8S8,
  packU8S8,
  quantizeWeight7Bit,
  type U8S8Pack,
  u8s8Linear,
  u8s8LinearQuantized,
} from './u8s8-linear.js';
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
  // The u8 x s8 pack and the weight tensor it was made from; pack null: the codes do not fit.
  #u8s8: { from: Tensor; pack: U8S8Pack | null } | undefined;

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

  /**
   * `sevenBit` (INT8 only, one scale per row): codes in [-63, 63], which the AVX2 u8 x s8 kernel
   * multiplies without int16 saturation; full-range INT8 codes run the exact int16-pair kernel.
   */
  static fromLinear(
    linear: Linear,
    opts: WeightQuantOptions & { sevenBit?: boolean },
    where = 'Linear',
  ): QuantizedLinear {
    const sevenBit = opts.sevenBit === true;
    if (sevenBit && (opts.bits !== 8 || (opts.groupSize ?? linear.inFeatures) !== linear.inFeatures)) {
      throw new FrugalError('E_CONFIG', '7-bit weights need bits 8 and one scale per row (no groupSize)', {
        op: 'QuantizedLinear.fromLinear',
        field: 'sevenBit',
      });
    }
    const q = sevenBit
      ? quantizeWeight7Bit(linear.weight.value, where)
      : quantizeWeight(linear.weight.value, opts, where);
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
    return this.run(x, 'none');
  }

  private checkInput(x: Variable): void {
    if (x.shape.length < 2 || x.shape[x.shape.length - 1] !== this.inFeatures || x.value.dtype !== 'f32') {
      throw new FrugalError(
        'E_SHAPE',
        `QuantizedLinear expects f32 [..., ${this.inFeatures}] with a batch axis`,
        {
          op: 'QuantizedLinear',
          shapes: [x.shape],
        },
      );
    }
  }

  private run(x: Variable, activation: LinearActivation | 'none'): Variable {
    const op = 'QuantizedLinear';
    this.checkInput(x);
    const lead = x.shape.slice(0, -1);
    const fast = this.u8s8Pack();
    if (fast) {
      const { addon, pack, scaleW, bias } = fast;
      const y = tidy(() => {
        const src = x.value.isContiguous ? x.value : contiguous(x.value);
        const a = quantizeTokensU8(src, this.inFeatures, addon);
        const out = Tensor.uninitialized('f32', [...lead, this.outFeatures], op);
        u8s8Linear(addon, pack, a.codes, a.scales, scaleW, bias, out.data as Float32Array, activation);
        return out;
      });
      return A.constant(y);
    }
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

  /**
   * nn.MLP asks its first projection for a GEMM with the activation in the epilogue: the u8 x s8
   * kernel has one; for the other INT8 kernels the answer is undefined and MLP applies it.
   */
  forwardFused(x: Variable, activation: LinearActivation): Variable | undefined {
    return this.u8s8Pack() ? this.run(x, activation) : undefined;
  }

  /**
   * nn.MLP offers its first projection the whole chain next(act(this(x))). When both layers run
   * the u8 x s8 kernel, the activation's output is quantized for `next` inside this layer's GEMM
   * (ZeroQuant's activation quantization fused into the preceding op) and never exists as f32;
   * otherwise the answer is undefined and MLP runs the layers one by one.
   */
  forwardChain(x: Variable, activation: LinearActivation, next: Module): Variable | undefined {
    if (!(next instanceof QuantizedLinear) || next.inFeatures !== this.outFeatures) return undefined;
    const first = this.u8s8Pack();
    const second = next.u8s8Pack();
    if (!first || !second || typeof first.addon.gemmU8S8Quant !== 'function') return undefined;
    const op = 'QuantizedLinear';
    this.checkInput(x);
    const { addon } = first;
    const y = tidy(() => {
      const src = x.value.isContiguous ? x.value : contiguous(x.value);
      const a = quantizeTokensU8(src, this.inFeatures, addon);
      const hidden = takeU8(a.scales.length, this.outFeatures);
      u8s8LinearQuantized(addon, first.pack, a.codes, a.scales, first.scaleW, first.bias, hidden, activation);
      const out = Tensor.uninitialized('f32', [...x.shape.slice(0, -1), next.outFeatures], op);
      const outData = out.data as Float32Array;
      u8s8Linear(addon, second.pack, hidden.codes, hidden.scales, second.scaleW, second.bias, outData);
      releaseU8(hidden);
      return out;
    });
    return A.constant(y);
  }

  /** Whether forward runs the u8 x s8 kernel (native, per-row INT8 with 7-bit codes). */
  runsU8S8(): boolean {
    return this.u8s8Pack() !== undefined;
  }

  /** The packed weight with the per-row scales and bias, when this layer runs the u8 x s8 kernel. */
  private u8s8Pack():
    | { addon: NativeAddon; pack: U8S8Pack; scaleW: Float32Array; bias: Float32Array | undefined }
    | undefined {
    const addon = this.bits === 8 && this.groupSize === this.inFeatures ? quantAddon() : undefined;
    if (!addon || typeof addon.gemmU8S8 !== 'function') return undefined;
    const op = 'QuantizedLinear';
    const w = this.weight.value;
    if (this.#u8s8?.from !== w) {
      const codes = i8Data(w, op);
      this.#u8s8 = {
        from: w,
        pack: fitsU8S8(codes) ? packU8S8(addon, codes, this.outFeatures, this.inFeatures) : null,
      };
    }
    if (!this.#u8s8.pack) return undefined;
    const scaleW = f32Data(this.weightScale.value, op);
    return {
      addon,
      pack: this.#u8s8.pack,
      scaleW,
      bias: this.bias ? f32Data(this.bias.value, op) : undefined,
    };
  }
}
