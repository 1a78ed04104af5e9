/** `frugal/nn`: the Module base, layers, masks, the KV cache and seeded init. */
export { type AttentionCall, type AttentionOptions, MultiHeadAttention } from './attention.js';
export { Dropout } from './dropout.js';
export { Embedding } from './embedding.js';
export { constantTensor, type InitOptions, normalTensor, resolveRng, uniformTensor } from './init.js';
export { KVCache } from './kv-cache.js';
export { Linear, type LinearOptions } from './linear.js';
export { causalMask, maskAnd, paddingMask } from './mask.js';
export { MLP, type MlpActivation } from './mlp.js';
export { Module, type StateDict } from './module.js';
export { LayerNorm, RMSNorm } from './norm.js';
export { TransformerBlock, type TransformerBlockOptions } from './transformer-block.js';
