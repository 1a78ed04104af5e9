/** `frugal/models`: model configs, BERT, Llama and T5 built on frugal/nn. */
export { BertForSequenceClassification } from './bert.js';
export {
  BertForMaskedLM,
  CLASSIFIER_HEAD_PREFIXES,
  isBertEncoderKey,
  MLM_HEAD_PREFIXES,
} from './bert-mlm.js';
export {
  type Arch,
  type BertConfig,
  type LlamaConfig,
  type ModelConfig,
  NAMED_CONFIGS,
  resolveConfig,
  type T5Config,
  validateConfig,
} from './config.js';
export { createModel, type FrugalModel } from './create.js';
export { type LoadHfOptions, loadHfCheckpoint, saveHfCheckpoint } from './hf.js';
export { configFromHf, configToHf } from './hf-config.js';
export { hfNameMap } from './hf-names.js';
export { LlamaCache, LlamaForCausalLM } from './llama.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafetensorsContent,
  writeSafetensors,
} from './safetensors.js';
export { type GenerateOptions, sampleNext } from './sampling.js';
export { T5Block, T5Cache, T5ForConditionalGeneration, T5Stack } from './t5.js';
export { relativeBucket } from './t5-buckets.js';
