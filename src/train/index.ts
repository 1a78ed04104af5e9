/** `frugal/train`: the training loop, checkpoints, the built-in tasks and the bag-of-words baseline. */
export {
  BagOfWordsClassifier,
  type BaselineResult,
  fitBaseline,
  type LogisticRegressionOptions,
} from './baseline.js';
export {
  CHECKPOINT_FILES,
  type Checkpoint,
  loadModelWeights,
  loadOptimizerState,
  readTrainerState,
  saveCheckpoint,
  saveWeights,
  type TrainerState,
} from './checkpoint.js';
export { DataOrder, mixSeed } from './data-order.js';
export { reseedDropout } from './dropout-seeds.js';
export { generateFromCheckpoint, generateText } from './generate.js';
export { StepHorizon } from './horizon.js';
export { writeLossPlot } from './loss-plot.js';
export { type BinaryMetrics, binaryMetrics } from './metrics.js';
export {
  checkpointDataOptions,
  evaluateCheckpoint,
  LOSS_PLOT_FILE,
  loadCheckpointModel,
  RESULT_FILE,
  runTraining,
  STOP_SIGNALS,
  type TaskName,
  type TrainRunOptions,
} from './run.js';
export {
  betterClassifier,
  CLASSIFY_SPECIAL_TOKENS,
  type ClassifyData,
  type ClassifyDataOptions,
  classifyTask,
  type EncodedSplit,
  evaluateClassifier,
  prepareClassifyData,
} from './tasks/classify.js';
export { EOS_TOKEN, evaluateLm, type LmData, type LmDataOptions, lmTask, prepareLmData } from './tasks/lm.js';
export { MESSAGE_VIEWS, type MessageView, messageView } from './tasks/message-view.js';
export {
  evaluateMlm,
  MASK_TOKEN,
  type MaskedBatch,
  type MaskingOptions,
  MLM_RULE,
  maskBatch,
  maskedLoss,
  mlmTask,
  prepareMlmData,
  withMaskToken,
} from './tasks/mlm.js';
export {
  BEST_DIR,
  type EvalRecord,
  METRICS_FILE,
  type TrainBatch,
  Trainer,
  type TrainerOptions,
  type TrainerTask,
  type TrainResult,
} from './trainer.js';
