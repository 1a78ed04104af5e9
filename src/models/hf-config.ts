/** Conversion between Hugging Face config.json fields and Frugal model configs. */
import { FrugalError } from '../core/errors.js';
import { type ModelConfig, validateConfig } from './config.js';

type Json = Record<string, unknown>;

function fieldOf(hf: Json, file: string) {
  const need = (key: string): unknown => {
    if (hf[key] === undefined) {
      throw new FrugalError('E_CONFIG', `config.json is missing ${key}`, {
        op: 'configFromHf',
        file,
        field: key,
      });
    }
    return hf[key];
  };
  const opt = (key: string, fallback: unknown): unknown => hf[key] ?? fallback;
  return { need, opt };
}

function expectValue(
  hf: Json,
  key: string,
  allowed: readonly unknown[],
  fallback: unknown,
  file: string,
): unknown {
  const v = hf[key] ?? fallback;
  if (!allowed.includes(v)) {
    throw new FrugalError('E_CONFIG', `${key} ${JSON.stringify(v)} is not supported`, {
      op: 'configFromHf',
      file,
      field: key,
      hint: `supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    });
  }
  return v;
}

function numLabels(hf: Json): number {
  if (typeof hf.num_labels === 'number') return hf.num_labels;
  if (hf.id2label && typeof hf.id2label === 'object') return Object.keys(hf.id2label).length;
  return 2;
}

/** A validated Frugal config from a parsed HF config.json (model_type 'bert', 'llama', 't5' or 'mt5'). */
export function configFromHf(hf: Json, file = 'config.json'): ModelConfig {
  const { need, opt } = fieldOf(hf, file);
  // mT5 checkpoints are T5 v1.1 (gated-GELU, untied head) under another model_type.
  const type = expectValue(hf, 'model_type', ['bert', 'llama', 't5', 'mt5'], undefined, file);
  if (type === 'bert') {
    expectValue(hf, 'hidden_act', ['gelu'], 'gelu', file);
    expectValue(hf, 'position_embedding_type', ['absolute'], 'absolute', file);
    return validateConfig(
      {
        arch: 'bert',
        vocabSize: need('vocab_size'),
        hidden: need('hidden_size'),
        layers: need('num_hidden_layers'),
        heads: need('num_attention_heads'),
        intermediate: need('intermediate_size'),
        maxPositions: need('max_position_embeddings'),
        typeVocabSize: opt('type_vocab_size', 2),
        numLabels: numLabels(hf),
        dropout: opt('hidden_dropout_prob', 0.1),
        layerNormEps: opt('layer_norm_eps', 1e-12),
      },
      file,
    );
  }
  if (type === 'llama') {
    expectValue(hf, 'hidden_act', ['silu'], 'silu', file);
    expectValue(hf, 'rope_scaling', [null], null, file);
    expectValue(hf, 'attention_bias', [false], false, file);
    expectValue(hf, 'mlp_bias', [false], false, file);
    const heads = need('num_attention_heads');
    const hidden = need('hidden_size');
    if (hf.head_dim !== undefined && hf.head_dim !== (hidden as number) / (heads as number)) {
      throw new FrugalError(
        'E_CONFIG',
        `head_dim ${String(hf.head_dim)} differs from hidden_size/num_attention_heads`,
        {
          op: 'configFromHf',
          file,
          field: 'head_dim',
        },
      );
    }
    return validateConfig(
      {
        arch: 'llama',
        vocabSize: need('vocab_size'),
        hidden,
        layers: need('num_hidden_layers'),
        heads,
        kvHeads: opt('num_key_value_heads', heads),
        intermediate: need('intermediate_size'),
        maxPositions: need('max_position_embeddings'),
        ropeTheta: opt('rope_theta', 10000),
        rmsNormEps: opt('rms_norm_eps', 1e-6),
        tieEmbeddings: opt('tie_word_embeddings', false),
      },
      file,
    );
  }
  const proj = expectValue(hf, 'feed_forward_proj', ['relu', 'gated-gelu'], 'relu', file);
  const layers = need('num_layers');
  return validateConfig(
    {
      arch: 't5',
      vocabSize: need('vocab_size'),
      hidden: need('d_model'),
      layers,
      decoderLayers: opt('num_decoder_layers', layers),
      heads: need('num_heads'),
      headDim: need('d_kv'),
      ff: need('d_ff'),
      relativeBuckets: opt('relative_attention_num_buckets', 32),
      relativeMaxDistance: opt('relative_attention_max_distance', 128),
      dropout: opt('dropout_rate', 0.1),
      layerNormEps: opt('layer_norm_epsilon', 1e-6),
      ffActivation: proj,
      tieEmbeddings: opt('tie_word_embeddings', true),
    },
    file,
  );
}

/** The HF config.json object describing a Frugal config. */
export function configToHf(c: ModelConfig): Json {
  switch (c.arch) {
    case 'bert':
      if (c.pooling === 'mean') {
        throw new FrugalError(
          'E_CONFIG',
          'a Hugging Face BertForSequenceClassification pools [CLS]; this model pools the token mean',
          {
            op: 'configToHf',
            field: 'pooling',
            hint: "save it in Frugal's checkpoint format or export it to ONNX, which keep the mean pooling",
          },
        );
      }
      return {
        architectures: ['BertForSequenceClassification'],
        model_type: 'bert',
        vocab_size: c.vocabSize,
        hidden_size: c.hidden,
        num_hidden_layers: c.layers,
        num_attention_heads: c.heads,
        intermediate_size: c.intermediate,
        hidden_act: 'gelu',
        max_position_embeddings: c.maxPositions,
        type_vocab_size: c.typeVocabSize,
        num_labels: c.numLabels,
        id2label: Object.fromEntries(
          Array.from({ length: c.numLabels }, (_, i) => [String(i), `LABEL_${i}`]),
        ),
        hidden_dropout_prob: c.dropout,
        attention_probs_dropout_prob: c.dropout,
        layer_norm_eps: c.layerNormEps,
        position_embedding_type: 'absolute',
      };
    case 'llama':
      return {
        architectures: ['LlamaForCausalLM'],
        model_type: 'llama',
        vocab_size: c.vocabSize,
        hidden_size: c.hidden,
        num_hidden_layers: c.layers,
        num_attention_heads: c.heads,
        num_key_value_heads: c.kvHeads,
        intermediate_size: c.intermediate,
        hidden_act: 'silu',
        max_position_embeddings: c.maxPositions,
        rope_theta: c.ropeTheta,
        rms_norm_eps: c.rmsNormEps,
        tie_word_embeddings: c.tieEmbeddings,
        attention_bias: false,
        mlp_bias: false,
        rope_scaling: null,
      };
    case 't5':
      return {
        architectures: ['T5ForConditionalGeneration'],
        model_type: 't5',
        vocab_size: c.vocabSize,
        d_model: c.hidden,
        num_layers: c.layers,
        num_decoder_layers: c.decoderLayers,
        num_heads: c.heads,
        d_kv: c.headDim,
        d_ff: c.ff,
        relative_attention_num_buckets: c.relativeBuckets,
        relative_attention_max_distance: c.relativeMaxDistance,
        dropout_rate: c.dropout,
        layer_norm_epsilon: c.layerNormEps,
        feed_forward_proj: c.ffActivation ?? 'relu',
        tie_word_embeddings: c.tieEmbeddings ?? true,
      };
  }
}
