/** `frugal/compress`: ZeroQuant (INT8/INT4 PTQ, LKD), XTC ternary/binary weights, N:M masks and ADMM steps, compressed checkpoints. */
export { quantizeRowsReference, quantizeTokens, type TokenQuantized } from './activation-quant.js';
export {
  applyQuantizedLayout,
  COMPRESS_FILE,
  type CompressedMetadata,
  loadCompressedCheckpoint,
  saveCompressedCheckpoint,
} from './checkpoint.js';
export { parseZeroQuantConfig, quantizeOptionsOf, type ZeroQuantConfig } from './config.js';
export { findLayers, type LayerSite, type LinearRole, roleOf } from './layers.js';
export { distillQuantize, type LkdLayerResult, type LkdOptions, type LkdReport } from './lkd.js';
export { cosineSimilarity, LogitComparison, type LogitStats, stateBytes } from './measure.js';
export {
  type AdmmState,
  admmInit,
  admmPenaltyGrad,
  admmUpdate,
  type NmPacked,
  type NmPattern,
  nmCompression,
  nmMask,
  packNm,
  projectNm,
  unpackNm,
} from './nm-sparsity.js';
export { type PackedBits, packCodes, unpackCodes } from './packed-codes.js';
export { type PackedLinearArgs, packedLinear } from './packed-linear.js';
export {
  DEFAULT_INT4_GROUP,
  type LayerPlan,
  planQuantization,
  type QuantizeModelOptions,
  type QuantizeReport,
  type QuantScheme,
  quantizeModel,
} from './quantize-model.js';
export { QuantizedLinear } from './quantized-linear.js';
export { qmaxOf, roundHalfEven } from './rounding.js';
export {
  dequantizeWeight,
  type QuantizedWeight,
  quantizedWeightBytes,
  quantizeWeight,
  type WeightBits,
  type WeightQuantOptions,
  weightCodes,
} from './weight-quant.js';
export { runZeroQuant, type ZeroQuantReport, type ZeroQuantRunOptions } from './zeroquant-run.js';
