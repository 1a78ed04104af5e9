/** `frugal train`: train a model on a built-in task, with checkpoints, metrics and a baseline. */
import { constants } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { runTraining, type TrainRunOptions } from '../../train/run.js';
import { MESSAGE_VIEWS } from '../../train/tasks/message-view.js';

const int = (name: string, min: number) => (v: string) => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min)
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}"`);
  return x;
};
const positive = (name: string) => (v: string) => {
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x))
    throw new InvalidArgumentError(`${name} must be a number > 0, got "${v}"`);
  return x;
};
const probability = (name: string) => (v: string) => {
  const x = Number(v);
  if (!(x >= 0 && x < 1)) throw new InvalidArgumentError(`${name} must be a number in [0, 1), got "${v}"`);
  return x;
};

/** Commander's parsed options: the run's options plus how to print the result. */
type TrainOpts = TrainRunOptions & { json?: boolean };

const EXAMPLES = `
Examples:
  # spam vs ham with BERT-mini, beside a bag-of-words baseline
  $ frugal train --task classify --model bert-mini --steps 600 --batch 16 --seq-len 128 --out runs/spam
  # a second stage from the first run's best-validation weights, with a fresh optimizer and schedule
  $ frugal train --task classify --model bert-mini --init runs/spam/best --steps 250 --lr 3e-4 --seed 1 --out runs/spam2
  # MLM pretraining of the encoder on the training messages, then a classifier started from it
  $ frugal train --task mlm --model bert-mini --input headers-body --seq-len 64 --steps 600 --out runs/mlm
  $ frugal train --task classify --model bert-mini --input headers-body --seq-len 64 --init runs/mlm --out runs/spam-mlm
  # a Llama-tiny language model on Python source for 10 minutes, then a sample from it
  $ frugal train --task lm --model llama-tiny --minutes 10 --out runs/py
  $ frugal generate --checkpoint runs/py --prompt "def "
  # continue a run that was killed or stopped with Ctrl-C (same seed and options)
  $ frugal train --task lm --model llama-tiny --minutes 10 --out runs/py --resume

Writes into --out: model.safetensors, optimizer.safetensors, trainer-state.json, config.json,
tokenizer.json (every --eval-every steps, atomically), metrics.jsonl, result.json, and for lm and mlm
loss.svg; for classify and mlm also best/ (the best-validation weights, which the test score uses unless --select last).`;

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'Train a model on SpamAssassin (classify or mlm pretraining, BERT) or Python source (lm, Llama)',
    )
    .addOption(
      new Option('--task <task>', 'classify | mlm | lm')
        .choices(['classify', 'mlm', 'lm'])
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--model <name|file>',
      'a preset (bert-mini, bert-tiny, llama-tiny, ...) or a config JSON',
    )
    .requiredOption('--out <dir>', 'checkpoint and metrics directory')
    .option('--steps <n>', 'optimizer steps', int('--steps', 1))
    .option(
      '--minutes <m>',
      'train for this long (with --steps: whichever ends first)',
      positive('--minutes'),
    )
    .option('--batch <n>', 'sequences per micro-batch', int('--batch', 1), 16)
    .option('--seq-len <n>', 'tokens per sequence', int('--seq-len', 2), 128)
    .option(
      '--lr <x>',
      'peak learning rate (AdamW, linear warmup, cosine decay to lr/10)',
      positive('--lr'),
      1e-3,
    )
    .option('--warmup <n>', 'warmup steps', int('--warmup', 0), 50)
    .option('--seed <n>', 'seed of initialization, data order and dropout', int('--seed', 0), 0)
    .option('--vocab-size <n>', 'BPE vocabulary trained on the train split', int('--vocab-size', 300), 4096)
    .option(
      '--eval-every <n>',
      'validate and checkpoint every n steps (default: at the end only)',
      int('--eval-every', 1),
    )
    .option('--accumulate <n>', 'micro-batches per optimizer step', int('--accumulate', 1), 1)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay', Number, 0.01)
    .addOption(
      new Option(
        '--input <view>',
        'classify, mlm: what the window covers: raw (message as stored), subject-body, headers-body',
      )
        .choices(MESSAGE_VIEWS)
        .default('subject-body'),
    )
    .addOption(
      new Option('--select <which>', 'classify: weights scored on test: best validation or last step')
        .choices(['best', 'last'])
        .default('best'),
    )
    .addOption(
      new Option(
        '--pooling <how>',
        "classify: the classifier reads the [CLS] state or the mean of the token states (default: the model config's, cls)",
      ).choices(['cls', 'mean']),
    )
    .option(
      '--token-dropout <p>',
      'classify: hide each training token from the model with this probability (a regularizer; 0 = off)',
      probability('--token-dropout'),
    )
    .option(
      '--mlm-windows <n>',
      'mlm: cut each training message into up to n consecutive windows of --seq-len tokens (default 1, the first only)',
      int('--mlm-windows', 1),
    )
    .option(
      '--init <dir>',
      'start from this checkpoint (weights and tokenizer; best/ of a run works too) with a fresh optimizer; classify from an mlm run takes its encoder',
    )
    .option('--limit <n>', 'use only the first n training items (quick runs)', int('--limit', 1))
    .option('--eval-blocks <n>', 'lm: validation blocks scored at each eval', int('--eval-blocks', 1), 64)
    .option('--resume', 'continue the checkpoint in --out')
    .option('--json', 'print result.json instead of a summary')
    .addHelpText('after', EXAMPLES)
    .action(async (o: TrainOpts) => {
      const { json: _json, ...run } = o;
      const result = await runTraining(run);
      if (typeof result.stopped === 'string') {
        const signal = result.stopped as NodeJS.Signals;
        console.error(
          `stopped by ${signal} after step ${result.steps}: checkpoint saved in ${o.out}; continue with the same command plus --resume`,
        );
        // The shell convention for a process ended by a signal.
        process.exitCode = 128 + constants.signals[signal];
        return;
      }
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else printSummary(result);
    });
}

function printSummary(r: Record<string, unknown>): void {
  const fmt = (m: unknown) =>
    Object.entries(m as Record<string, number>)
      .filter(([k]) => k !== 'n')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log(
    `${r.task} ${r.model}: ${r.steps} steps in ${r.elapsedS} s (${r.tokensPerS} tokens/s, ${r.parameters} parameters)`,
  );
  const sel = r.selected as { step: number; validation: unknown } | undefined;
  if (sel) console.log(`  validation: ${fmt(sel.validation)} (step ${sel.step}, selected for test)`);
  else console.log(`  validation: ${fmt(r.validation)}`);
  console.log(`  test:       ${fmt(r.test)}`);
  const base = r.baseline as { test: unknown } | undefined;
  if (base) console.log(`  baseline:   ${fmt(base.test)} (bag-of-words logistic regression, test)`);
}
