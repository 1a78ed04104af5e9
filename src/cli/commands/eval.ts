/** `frugal eval`: score a `frugal train` checkpoint on its task's validation or test split. */
import { type Command, Option } from 'commander';
import { evaluateCompressedCheckpoint, isCompressedCheckpoint } from '../../compress/checkpoint.js';
import { evaluateCheckpoint } from '../../train/run.js';

export function register(program: Command): void {
  program
    .command('eval')
    .description('Score a checkpoint written by `frugal train` on the same split it was trained against')
    .requiredOption('--checkpoint <dir>', 'the --out directory of a `frugal train` or `frugal compress` run')
    .addOption(new Option('--split <split>', 'which split').choices(['test', 'validation']).default('test'))
    .addHelpText(
      'after',
      `
Examples:
  $ frugal eval --checkpoint runs/spam             # accuracy, precision, recall, F1 (spam positive), loss
  $ frugal eval --checkpoint runs/py --split validation   # loss and perplexity
  $ frugal eval --checkpoint runs/spam-xtc          # a \`frugal compress\` directory (XTC, ZeroQuant, NxM)`,
    )
    .action(async (o: { checkpoint: string; split: 'test' | 'validation' }) => {
      // The CLI picks the loader: src/train sits below src/compress and cannot load compressed models.
      const evaluate = isCompressedCheckpoint(o.checkpoint)
        ? evaluateCompressedCheckpoint
        : evaluateCheckpoint;
      console.log(JSON.stringify(await evaluate(o.checkpoint, o.split), null, 2));
    });
}
