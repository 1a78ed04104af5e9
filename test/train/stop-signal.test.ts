import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readTrainerState } from '../../src/train/checkpoint.js';
import { Trainer } from '../../src/train/trainer.js';
import { STOP_OPTIONS, stopTestTask } from './stop-setup.js';
import { TinyNet } from './tiny-task.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-stop-'));
after(() => rmSync(root, { recursive: true, force: true }));
const CHILD = fileURLToPath(new URL('./stop-child.ts', import.meta.url));

/** Starts the child, sends `signal` once it is training, and returns its exit code and last stdout line. */
function signalledRun(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; last: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, out], {
      env: { ...process.env, FRUGAL_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const wasReady = stdout.includes('ready\n');
      stdout += chunk;
      if (!wasReady && stdout.includes('ready\n')) child.kill(signal);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, last: stdout.trim().split('\n').at(-1) ?? '' }));
  });
}

function weights(model: TinyNet): number[] {
  return model.parameters().flatMap((p) => Array.from(p.value.toFlatArray()));
}

describe('Trainer stop signals', () => {
  it('checkpoints at the step boundary on SIGINT, and --resume continues to the same weights', async () => {
    const dir = join(root, 'int');
    const { code, last } = await signalledRun(dir, 'SIGINT');
    assert.equal(code, 0);
    const result = JSON.parse(last) as { stopped: string; step: number };
    assert.equal(result.stopped, 'SIGINT');
    const state = await readTrainerState(dir);
    assert.equal(state.step, result.step);
    assert.ok(state.step >= 4 && state.step < STOP_OPTIONS.steps, `stopped at step ${state.step}`);
    const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.deepEqual(JSON.parse(rows.at(-1)!).signal, 'SIGINT');

    const target = state.step + 3;
    const straight = new Trainer({ ...STOP_OPTIONS, model: new TinyNet(3), task: stopTestTask(target) });
    await assert.rejects(straight.fit(), /simulated crash/);
    const resumed = new Trainer({
      ...STOP_OPTIONS,
      steps: target,
      model: new TinyNet(3),
      task: stopTestTask(),
      out: dir,
      resume: true,
    });
    const r = await resumed.fit();
    assert.equal(r.step, target);
    assert.equal(r.stopped, undefined);
    assert.deepEqual(weights(resumed.model), weights(straight.model));
  });

  it('stops the same way on SIGTERM', async () => {
    const dir = join(root, 'term');
    const { code, last } = await signalledRun(dir, 'SIGTERM');
    assert.equal(code, 0);
    assert.equal((JSON.parse(last) as { stopped: string }).stopped, 'SIGTERM');
    assert.equal((await readTrainerState(dir)).step, (JSON.parse(last) as { step: number }).step);
  });
});
