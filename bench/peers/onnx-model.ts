/**
 * Builds one-node ONNX models (MatMul f32, MatMulInteger int8) in memory with the ONNX protobuf
 * subset of src/models/onnx, so the onnxruntime peer needs no model files on disk.
 */
import { encodeOnnxModel, ONNX_DTYPE, valueInfo } from '../../src/models/onnx/index.js';

export { ONNX_DTYPE };

/** Y = op(A, B) with A [m, k], B [k, n]; op 'MatMul' (float) or 'MatMulInteger' (int8 -> int32). */
export function matmulModel(op: 'MatMul' | 'MatMulInteger', m: number, n: number, k: number): Uint8Array {
  const inType = op === 'MatMul' ? ONNX_DTYPE.float : ONNX_DTYPE.int8;
  const outType = op === 'MatMul' ? ONNX_DTYPE.float : ONNX_DTYPE.int32;
  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'frugal-bench',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: `${op}_${m}x${n}x${k}`,
      node: [{ input: ['A', 'B'], output: ['Y'], name: 'mm', opType: op, attribute: [] }],
      initializer: [],
      input: [valueInfo('A', inType, [m, k]), valueInfo('B', inType, [k, n])],
      output: [valueInfo('Y', outType, [m, n])],
    },
  });
}
