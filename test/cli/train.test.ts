import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { register as registerEval } from '../../src/cli/commands/eval.js';
import { register as registerGenerate } from '../../src/cli/commands/generate.js';
import { register as registerTrain } from '../../src/cli/commands/train.js';
import { runCliInProcess } from '../support/cli-in-process.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-cli-train-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The real binary, for one end-to-end run (process start-up costs seconds on a busy machine). */
function frugalProcess(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, FRUGAL_NO_PROGRESS: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same commands parsed in this process; status 1 and the message where main.ts would exit with them. */
function frugal(...args: string[]) {
  return runCliInProcess([registerTrain, registerEval, registerGenerate], args);
}

function config(name: string, doc: Record<string, unknown>): string {
  const file = join(root, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

const bert = config('bert.json', {
  arch: 'bert',
  hidden: 32,
  layers: 1,
  heads: 2,
  intermediate: 64,
  maxPositions: 64,
});
const llama = config('llama.json', {
  arch: 'llama',
  hidden: 32,
  layers: 1,
  heads: 2,
  kvHeads: 1,
  intermediate: 64,
  maxPositions: 64,
});
const small = ['--batch', '4', '--seq-len', '32', '--vocab-size', '300', '--warmup', '1', '--limit', '24'];

describe('frugal train / eval / generate', () => {
  it('documents the options with examples', async () => {
    const r = await frugal('train', '--help');
    assert.equal(r.status, 0, r.stderr);
    for (const s of ['--task', '--minutes', '--resume', '--eval-every', 'Examples:', 'frugal generate'])
      assert.ok(r.stdout.includes(s), s);
    assert.equal((await frugal('eval', '--help')).status, 0);
    assert.equal((await frugal('generate', '--help')).status, 0);
  });

  it('trains a classifier with its baseline, evaluates and resumes it', async () => {
    const out = join(root, 'spam');
    const r = frugalProcess(
      'train',
      '--task',
      'classify',
      '--model',
      bert,
      '--steps',
      '4',
      '--eval-every',
      '2',
      ...small,
      '--out',
      out,
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as {
      steps: number;
      test: { accuracy: number; f1: number };
      baseline: { test: { accuracy: number } };
    };
    assert.equal(result.steps, 4);
    assert.ok(result.test.accuracy >= 0 && result.test.accuracy <= 1);
    assert.ok(result.baseline.test.accuracy >= 0);
    for (const f of [
      'model.safetensors',
      'optimizer.safetensors',
      'trainer-state.json',
      'config.json',
      'tokenizer.json',
      'metrics.jsonl',
      'result.json',
    ])
      assert.ok(existsSync(join(out, f)), f);
    const ev = await frugal('eval', '--checkpoint', out, '--split', 'test');
    assert.equal(ev.status, 0, ev.stderr);
    assert.deepEqual(JSON.parse(ev.stdout).accuracy, result.test.accuracy);
    const again = await frugal(
      'train',
      '--task',
      'classify',
      '--model',
      bert,
      '--steps',
      '4',
      ...small,
      '--out',
      out,
    );
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already holds a checkpoint.*--resume/);
    const resumed = await frugal(
      'train',
      '--task',
      'classify',
      '--model',
      bert,
      '--steps',
      '6',
      ...small,
      '--out',
      out,
      '--resume',
      '--json',
    );
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).steps, 6);
  });

  it('trains a language model, plots its loss and generates from it', async () => {
    const out = join(root, 'py');
    const r = await frugal(
      'train',
      '--task',
      'lm',
      '--model',
      llama,
      '--steps',
      '3',
      '--eval-every',
      '3',
      '--eval-blocks',
      '4',
      ...small,
      '--out',
      out,
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { validation: { perplexity: number }; test: { loss: number } };
    assert.ok(result.validation.perplexity > 1 && Number.isFinite(result.test.loss));
    assert.match(readFileSync(join(out, 'loss.svg'), 'utf8'), /<svg/);
    const g = await frugal(
      'generate',
      '--checkpoint',
      out,
      '--prompt',
      'def ',
      '--max-new-tokens',
      '5',
      '--seed',
      '1',
    );
    assert.equal(g.status, 0, g.stderr);
    assert.ok(g.stdout.startsWith('def '));
  });

  it('fails clearly on a run without an end, a bad config and a missing checkpoint', async () => {
    const noEnd = await frugal('train', '--task', 'lm', '--model', llama, '--out', join(root, 'x'), ...small);
    assert.equal(noEnd.status, 1);
    assert.match(noEnd.stderr, /--steps N or --minutes M/);
    const badCfg = config('bad.json', { arch: 'bert', hidden: -3 });
    const bad = await frugal(
      'train',
      '--task',
      'classify',
      '--model',
      badCfg,
      '--steps',
      '1',
      '--out',
      join(root, 'y'),
      ...small,
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /E_CONFIG.*hidden/);
    const missing = await frugal('eval', '--checkpoint', join(root, 'nowhere'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /E_IO.*trainer-state\.json/);
  });
});
