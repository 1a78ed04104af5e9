/** `frugal/compress`: ZeroQuant (INT8/INT4 PTQ, LKD), XTC ternary/binary weights, NxMiFormer (N:M + INT8/INT4 via ADMM, search, packed N:M kernel), compressed checkpoints. */
export { quantizeRowsReference, quantizeTokens, type TokenQuantized } from './activation-quant.js';
export {
  AdmmTask,
  attachNxm,
  type NxmSite,
  type NxmTrainOptions,
  type NxmTrainResult,
  trainNxm,
} from './admm.js';
export {
  applyEmbeddingLayout,
  applyQuantizedLayout,
  COMPRESS_FILE,
  type CompressedMetadata,
  evaluateCompressedCheckpoint,
  generateFromCompressed,
  isCompressedCheckpoint,
  loadCompressedCheckpoint,
  saveCompressedCheckpoint,
} from './checkpoint.js';
export { parseZeroQuantConfig, quantizeOptionsOf, type ZeroQuantConfig } from './config.js';
export { type DeepSpeedMapping, fromDeepSpeed } from './deepspeed-config.js';
export {
  DEFAULT_DISTILL_WEIGHTS,
  type DistillParts,
  type DistillTaskOptions,
  type DistillWeights,
  distillClassifyTask,
  distillLoss,
} from './distill.js';
export { checkKeepLayers, everyOtherLayer, reduceLayers } from './layer-reduction.js';
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
export { fuseNormQuantization, QuantizingLayerNorm } from './norm-quant.js';
export { packModelNm } from './nxm-apply.js';
export { type NxmConfig, parseNxmConfig } from './nxm-config.js';
export { NxmLinear } from './nxm-linear.js';
export { type NxmReport, type NxmRunOptions, runNxm } from './nxm-run.js';
export { type SearchResult, searchAssignment } from './nxm-search.js';
export { type NxmBytes, type NxmSpec, nxmBytes, nxmRatio, parseSpec } from './nxm-spec.js';
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
export {
  type CompressRow,
  findCompressedDirs,
  readCompressRow,
  reportTable,
  writeReportPlot,
} from './report.js';
export { qmaxOf, roundHalfEven } from './rounding.js';
export { measureSensitivity, nxmTargets, type SensitivityTable } from './sensitivity.js';
export { packSparse, type SparsePacked, SparseQuantizedLinear, sparseLinear } from './sparse-linear.js';
export {
  dequantizeWeight,
  type QuantizedWeight,
  quantizedWeightBytes,
  quantizeWeight,
  type WeightBits,
  type WeightQuantOptions,
  weightCodes,
} from './weight-quant.js';
export { parseXtcConfig, type XtcConfig, type XtcSettings, xtcSettings } from './xtc-config.js';
export { type EmbeddingLayout, QuantizedEmbedding } from './xtc-embedding.js';
export {
  fakeQuantTokens,
  finalizeQat,
  lowBitDelta,
  prepareQat,
  QatEmbedding,
  type QatLayouts,
  QatLinear,
  type QatOptions,
} from './xtc-qat.js';
export { runXtc, type XtcReport, type XtcRunOptions } from './xtc-run.js';
export { runZeroQuant, type ZeroQuantReport, type ZeroQuantRunOptions } from './zeroquant-run.js';
