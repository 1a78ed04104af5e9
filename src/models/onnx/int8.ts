/**
 * INT8 Linear layers in ONNX, the graph onnxruntime's dynamic quantization writes (and fuses into
 * one DynamicQuantizeMatMul): DynamicQuantizeLinear(x) → MatMulInteger(x_u8, W_s8, x_zero_point)
 * → Cast to f32 → Mul by x_scale · w_scale[out] (→ Add bias). ONNX quantizes activations per
 * tensor (u8, asymmetric) where Frugal's ZeroQuant quantizes per token (symmetric), so the two
 * agree closely, not bit for bit. Layers are recognized by shape, not by class (src/compress,
 * where QuantizedLinear lives, sits above src/models): i8 weight codes [out, in] plus a
 * `weightScale` of one scale per output row.
 */
import type { Variable } from '../../autograd/variable.js';
import { FrugalError } from '../../core/errors.js';
import { type GraphBuilder, int } from './graph.js';
import { ONNX_DTYPE } from './proto.js';

export interface Int8LinearLike {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Variable;
  readonly weightScale: Variable;
  readonly bias: Variable | undefined;
}

export function isInt8Linear(layer: object): layer is Int8LinearLike {
  return 'weightScale' in layer && 'weight' in layer && (layer.weight as Variable).value.dtype === 'i8';
}

/** Quantized layers other than per-row INT8 (INT4, ternary, grouped scales) have no ONNX form here. */
export function isQuantizedLinear(layer: object): boolean {
  return 'weightScale' in layer;
}

export function int8Linear(g: GraphBuilder, x: string, layer: Int8LinearLike, name: string): string {
  const { inFeatures: k, outFeatures: n } = layer;
  const scales = layer.weightScale.value;
  if (scales.size !== n) {
    throw new FrugalError(
      'E_ARG',
      `${name}: ONNX MatMulInteger takes one weight scale per output row; this layer has ${scales.size / n} groups per row`,
      {
        op: 'exportOnnx',
        field: name,
        hint: 'quantize with the default group size (a whole row) to export INT8',
      },
    );
  }
  const codes = layer.weight.value.toFloat32Array();
  const transposed = new Int8Array(k * n);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) transposed[p * n + j] = codes[j * k + p]!;
  const w = g.i8(`${name}.weight_quantized`, transposed, [k, n]);
  const [xq, xScale, xZero] = g.nodeN('DynamicQuantizeLinear', [x], {}, 3, `${name}_quant`);
  const mm = g.node('MatMulInteger', [xq!, w, xZero!], {}, `${name}_matmul`);
  const wScale = g.f32(`${name}.weight_scale`, scales.toFloat32Array(), [n]);
  const scale = g.node('Mul', [xScale!, wScale], {}, `${name}_scale`);
  const y = g.node(
    'Mul',
    [g.node('Cast', [mm], { to: int(ONNX_DTYPE.float) }, `${name}_cast`), scale],
    {},
    `${name}_rescale`,
  );
  return layer.bias ? g.node('Add', [y, g.weight(`${name}.bias`, layer.bias.value)], {}, `${name}_bias`) : y;
}
