/**
 * The explicit mapping between Frugal parameter names and Hugging Face checkpoint names, one
 * ordered rule list per arch. nn.Linear stores W as [out, in] like PyTorch, so tensors map 1:1.
 */
import { FrugalError } from '../core/errors.js';
import type { ModelConfig } from './config.js';

type Rule = readonly [RegExp, string];

const bertRules = (p: string): Rule[] => [
  [/^wordEmbeddings\./, `${p}embeddings.word_embeddings.`],
  [/^positionEmbeddings\./, `${p}embeddings.position_embeddings.`],
  [/^tokenTypeEmbeddings\./, `${p}embeddings.token_type_embeddings.`],
  [/^embeddingNorm\./, `${p}embeddings.LayerNorm.`],
  [/^blocks\.(\d+)\.attn\.q\./, `${p}encoder.layer.$1.attention.self.query.`],
  [/^blocks\.(\d+)\.attn\.k\./, `${p}encoder.layer.$1.attention.self.key.`],
  [/^blocks\.(\d+)\.attn\.v\./, `${p}encoder.layer.$1.attention.self.value.`],
  [/^blocks\.(\d+)\.attn\.o\./, `${p}encoder.layer.$1.attention.output.dense.`],
  [/^blocks\.(\d+)\.norm1\./, `${p}encoder.layer.$1.attention.output.LayerNorm.`],
  [/^blocks\.(\d+)\.mlp\.up\./, `${p}encoder.layer.$1.intermediate.dense.`],
  [/^blocks\.(\d+)\.mlp\.down\./, `${p}encoder.layer.$1.output.dense.`],
  [/^blocks\.(\d+)\.norm2\./, `${p}encoder.layer.$1.output.LayerNorm.`],
  [/^pooler\./, `${p}pooler.dense.`],
  [/^classifier\./, 'classifier.'],
];

const LLAMA_RULES: Rule[] = [
  [/^embed\./, 'model.embed_tokens.'],
  [/^blocks\.(\d+)\.attn\.([qkvo])\./, 'model.layers.$1.self_attn.$2_proj.'],
  [/^blocks\.(\d+)\.mlp\.(gate|up|down)\./, 'model.layers.$1.mlp.$2_proj.'],
  [/^blocks\.(\d+)\.norm1\./, 'model.layers.$1.input_layernorm.'],
  [/^blocks\.(\d+)\.norm2\./, 'model.layers.$1.post_attention_layernorm.'],
  [/^norm\./, 'model.norm.'],
  [/^lmHead\./, 'lm_head.'],
];

function t5Rules(gated: boolean): Rule[] {
  const wi = gated
    ? ([
        [/^(encoder|decoder)\.blocks\.(\d+)\.ff\.gate\./, '$1.block.$2.layer.FF.DenseReluDense.wi_0.'],
        [/^(encoder|decoder)\.blocks\.(\d+)\.ff\.up\./, '$1.block.$2.layer.FF.DenseReluDense.wi_1.'],
      ] as const)
    : ([[/^(encoder|decoder)\.blocks\.(\d+)\.ff\.up\./, '$1.block.$2.layer.FF.DenseReluDense.wi.']] as const);
  return [
    [/^shared\./, 'shared.'],
    [/^(encoder|decoder)\.relativeBias\./, '$1.block.0.layer.0.SelfAttention.relative_attention_bias.'],
    [/^(encoder|decoder)\.blocks\.(\d+)\.selfAttn\.([qkvo])\./, '$1.block.$2.layer.0.SelfAttention.$3.'],
    [/^(encoder|decoder)\.blocks\.(\d+)\.selfNorm\./, '$1.block.$2.layer.0.layer_norm.'],
    [/^decoder\.blocks\.(\d+)\.crossAttn\.([qkvo])\./, 'decoder.block.$1.layer.1.EncDecAttention.$2.'],
    [/^decoder\.blocks\.(\d+)\.crossNorm\./, 'decoder.block.$1.layer.1.layer_norm.'],
    ...wi,
    [/^(encoder|decoder)\.blocks\.(\d+)\.ff\.down\./, '$1.block.$2.layer.FF.DenseReluDense.wo.'],
    [/^(encoder|decoder)\.blocks\.(\d+)\.ffNorm\./, '$1.block.$2.layer.FF.layer_norm.'],
    [/^(encoder|decoder)\.finalNorm\./, '$1.final_layer_norm.'],
    [/^lmHead\./, 'lm_head.'],
  ];
}

/** The feed-forward sub-layer is layer 1 in encoder blocks and layer 2 in decoder blocks. */
function placeFf(name: string): string {
  return name.replace('.layer.FF.', name.startsWith('encoder.') ? '.layer.1.' : '.layer.2.');
}

/** [frugal name, HF name] for every parameter name given; `bertPrefix` is 'bert.' or '' (BertModel). */
export function hfNameMap(
  config: ModelConfig,
  frugalNames: readonly string[],
  bertPrefix = 'bert.',
): [string, string][] {
  const rules =
    config.arch === 'bert'
      ? bertRules(bertPrefix)
      : config.arch === 'llama'
        ? LLAMA_RULES
        : t5Rules(config.ffActivation === 'gated-gelu');
  return frugalNames.map((name) => {
    const rule = rules.find(([re]) => re.test(name));
    if (!rule) {
      throw new FrugalError('E_NOT_FOUND', `parameter ${name} has no Hugging Face name`, {
        op: 'hfNameMap',
        field: name,
      });
    }
    const hf = name.replace(rule[0], rule[1]);
    return [name, config.arch === 't5' ? placeFf(hf) : hf];
  });
}

/** Tensors HF checkpoints carry that are not parameters here (buffers, tied duplicates). */
export function isIgnorableHfTensor(config: ModelConfig, name: string): boolean {
  if (name.endsWith('position_ids') || name.endsWith('rotary_emb.inv_freq')) return true;
  if (config.arch === 't5') {
    if (name === 'encoder.embed_tokens.weight' || name === 'decoder.embed_tokens.weight') return true;
    return name === 'lm_head.weight' && (config.tieEmbeddings ?? true);
  }
  return config.arch === 'llama' && config.tieEmbeddings && name === 'lm_head.weight';
}
