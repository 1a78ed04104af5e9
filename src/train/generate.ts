import { FrugalError } from '../core/errors.js';
import type { BpeTokenizer } from '../data/bpe-tokenizer.js';
import { LlamaForCausalLM } from '../models/llama.js';
import type { GenerateOptions } from '../models/sampling.js';
import type { Module } from '../nn/module.js';
import { loadCheckpointModel } from './run.js';
import { EOS_TOKEN } from './tasks/lm.js';

/** Loads an lm checkpoint and returns the text it generates after `prompt` (stopping at end-of-text). */
export async function generateFromCheckpoint(
  dir: string,
  prompt: string,
  opts: Omit<GenerateOptions, 'eosId'>,
): Promise<string> {
  const { model, tokenizer } = await loadCheckpointModel(dir);
  return generateText(model, tokenizer, prompt, opts, dir);
}

/**
 * The text a loaded model (plain or compressed) generates after `prompt`, stopping at end-of-text;
 * `dir` names the checkpoint in errors.
 */
export function generateText(
  model: Module,
  tokenizer: BpeTokenizer,
  prompt: string,
  opts: Omit<GenerateOptions, 'eosId'>,
  dir: string,
): string {
  if (!(model instanceof LlamaForCausalLM))
    throw new FrugalError('E_CONFIG', 'the checkpoint is not a causal language model', {
      op: 'frugal generate',
      file: dir,
      hint: 'generate from a `frugal train --task lm` checkpoint (or its `frugal compress` output)',
    });
  const ids = tokenizer.encode(prompt);
  if (ids.length === 0)
    throw new FrugalError('E_ARG', 'the prompt encodes to no tokens', {
      op: 'frugal generate',
      field: 'prompt',
    });
  const eosId = tokenizer.tokenToId(EOS_TOKEN);
  const maxNewTokens = Math.min(opts.maxNewTokens, model.config.maxPositions - ids.length);
  const out = model.generate(ids, { ...opts, maxNewTokens, ...(eosId === undefined ? {} : { eosId }) });
  return tokenizer.decode(out, { skipSpecialTokens: true });
}
