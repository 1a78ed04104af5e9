/** ONNX export: exportOnnx / encodeOnnx for BERT and Llama, and the protobuf subset it writes. */
export { encodeOnnx, exportOnnx, ONNX_OPSET, type OnnxExportOptions, onnxModel } from './export.js';
export { encodeOnnxModel, ONNX_DTYPE, type OnnxModel, valueInfo } from './proto.js';
