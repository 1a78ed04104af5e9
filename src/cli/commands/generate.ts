/** `frugal generate`: continue a prompt with a language model trained by `frugal train --task lm`. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { generateFromCompressed, isCompressedCheckpoint } from '../../compress/checkpoint.js';
import { generateFromCheckpoint } from '../../train/generate.js';

const num = (name: string, check: (x: number) => boolean, want: string) => (v: string) => {
  const x = Number(v);
  if (!check(x)) throw new InvalidArgumentError(`${name} must be ${want}, got "${v}"`);
  return x;
};

interface GenerateOpts {
  checkpoint: string;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('Continue a prompt with a causal language model checkpoint (KV-cached decoding)')
    .requiredOption(
      '--checkpoint <dir>',
      'the --out directory of `frugal train --task lm`, or of `frugal compress` on one',
    )
    .requiredOption('--prompt <text>', 'text to continue')
    .option(
      '--max-new-tokens <n>',
      'tokens to add',
      num('--max-new-tokens', (x) => Number.isInteger(x) && x >= 1, 'a positive integer'),
      64,
    )
    .option(
      '--temperature <t>',
      '0 = greedy',
      num('--temperature', (x) => x >= 0, 'a number >= 0'),
      0.8,
    )
    .option(
      '--top-k <k>',
      'sample among the k most likely tokens',
      num('--top-k', (x) => Number.isInteger(x) && x >= 1, 'a positive integer'),
    )
    .option(
      '--top-p <p>',
      'nucleus sampling mass',
      num('--top-p', (x) => x > 0 && x <= 1, 'in (0, 1]'),
    )
    .option('--seed <n>', 'sampling seed', num('--seed', Number.isInteger, 'an integer'), 0)
    .addHelpText(
      'after',
      `
Examples:
  $ frugal generate --checkpoint runs/py --prompt "def " --max-new-tokens 80
  $ frugal generate --checkpoint runs/py --prompt "import os" --temperature 0   # greedy`,
    )
    .action(async (o: GenerateOpts) => {
      const generate = isCompressedCheckpoint(o.checkpoint) ? generateFromCompressed : generateFromCheckpoint;
      const text = await generate(o.checkpoint, o.prompt, {
        maxNewTokens: o.maxNewTokens,
        temperature: o.temperature,
        seed: o.seed,
        ...(o.topK === undefined ? {} : { topK: o.topK }),
        ...(o.topP === undefined ? {} : { topP: o.topP }),
      });
      console.log(`${o.prompt}${text}`);
    });
}
