/** `frugal/nn`: the Module base, layers, masks, the KV cache, rotary embeddings and seeded init. */
export {
  type AttentionCall,
  type AttentionInputs,
  type AttentionOptions,
  MultiHeadAttention,
} from './attention.js';
export { Dropout } from './dropout.js';
export { Embedding } from './embedding.js';
export { constantTensor, type InitOptions, normalTensor, resolveRng, uniformTensor } from './init.js';
export { KVCache } from './kv-cache.js';
export { Linear, type LinearOptions } from './linear.js';
export { causalMask, maskAnd, paddingMask } from './mask.js';
export { MLP, type MlpActivation, type MlpOptions } from './mlp.js';
export { Module, type StateDict } from './module.js';
export { ModuleList } from './module-list.js';
export { LayerNorm, RMSNorm } from './norm.js';
export { RotaryEmbedding } from './rope.js';
export { TransformerBlock, type TransformerBlockOptions } from './transformer-block.js';
