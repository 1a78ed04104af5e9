import { BertForSequenceClassification } from './bert.js';
import type { ModelConfig } from './config.js';
import { LlamaForCausalLM } from './llama.js';
import { T5ForConditionalGeneration } from './t5.js';

export type FrugalModel = BertForSequenceClassification | LlamaForCausalLM | T5ForConditionalGeneration;

/** A freshly initialized model of the config's arch (weights seeded by opts.seed, default 0). */
export function createModel(config: ModelConfig, opts: { seed?: number } = {}): FrugalModel {
  switch (config.arch) {
    case 'bert':
      return new BertForSequenceClassification(config, opts);
    case 'llama':
      return new LlamaForCausalLM(config, opts);
    case 't5':
      return new T5ForConditionalGeneration(config, opts);
  }
}
