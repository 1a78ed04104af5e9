import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { noGrad } from '../../src/autograd/variable.js';
import { isFrugalError } from '../../src/core/errors.js';
import { loadModelWeights, readTrainerState } from '../../src/train/checkpoint.js';
import { BEST_DIR, Trainer } from '../../src/train/trainer.js';
import { TinyNet, tinyTask } from './tiny-task.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-trainer-'));
after(() => rmSync(root, { recursive: true, force: true }));

function weights(model: TinyNet): number[] {
  return model.parameters().flatMap((p) => Array.from(p.value.toFlatArray()));
}

function trainer(
  out: string | undefined,
  steps: number,
  extra: { resume?: boolean; poisonAt?: number; crashAt?: number } = {},
) {
  const { resume, ...faults } = extra;
  return new Trainer({
    model: new TinyNet(3),
    task: tinyTask({ seed: 5, batch: 8, ...faults }),
    seed: 5,
    steps,
    lr: 0.02,
    warmupSteps: 3,
    evalEvery: 4,
    accumulate: 2,
    progress: false,
    ...(out === undefined ? {} : { out }),
    ...(resume ? { resume: true } : {}),
  });
}

describe('Trainer', () => {
  it('drives the validation loss down', async () => {
    const t = trainer(undefined, 40);
    const before = t.evaluate().loss!;
    const r = await t.fit();
    assert.ok(r.final.loss! < before / 2, `loss ${before} -> ${r.final.loss}`);
    assert.equal(r.step, 40);
  });

  it('resumes a stopped run to bit-identical weights', async () => {
    const straight = trainer(join(root, 'straight'), 16);
    await straight.fit();
    const dir = join(root, 'resumed');
    await assert.rejects(trainer(dir, 16, { crashAt: 10 }).fit(), /simulated crash/);
    const resumed = trainer(dir, 16, { resume: true });
    const r = await resumed.fit();
    assert.equal(r.step, 16);
    assert.deepEqual(weights(resumed.model), weights(straight.model));
    const steps = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; step: number })
      .filter((row) => row.event === 'train')
      .map((row) => row.step);
    assert.deepEqual(
      steps,
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
  });

  it('refuses to overwrite a checkpoint and to resume a missing one', async () => {
    await assert.rejects(trainer(join(root, 'straight'), 4).fit(), (e) => isFrugalError(e, 'E_CONFIG'));
    await assert.rejects(trainer(join(root, 'nothing'), 4, { resume: true }).fit(), (e) =>
      isFrugalError(e, 'E_IO'),
    );
  });

  it('stops on a NaN loss naming the step and leaves the last checkpoint untouched', async () => {
    const dir = join(root, 'nan');
    const t = trainer(dir, 12, { poisonAt: 6 });
    await assert.rejects(t.fit(), (e) => isFrugalError(e, 'E_DIVERGED') && /step 7/.test(e.message));
    const state = JSON.parse(readFileSync(join(dir, 'trainer-state.json'), 'utf8')) as { step: number };
    assert.equal(state.step, 4);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.partial') || f.includes('.tmp')),
      [],
    );
  });

  it('rejects a truncated checkpoint with the file named', async () => {
    const dir = join(root, 'corrupt');
    await trainer(dir, 4).fit();
    const file = join(dir, 'model.safetensors');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(trainer(dir, 8, { resume: true }).fit(), (e) => {
      return isFrugalError(e, 'E_IO') && e.message.includes('model.safetensors');
    });
    writeFileSync(join(dir, 'trainer-state.json'), '{"step": 4');
    await assert.rejects(trainer(dir, 8, { resume: true }).fit(), (e) => {
      return isFrugalError(e, 'E_IO') && e.message.includes('trainer-state.json');
    });
    assert.ok(existsSync(join(dir, 'optimizer.safetensors')));
  });

  it('keeps the best-validation weights in best/, loadable like a checkpoint, across a resume', async () => {
    const ranked = (crashAt?: number) => ({
      ...tinyTask({ seed: 5, batch: 8, ...(crashAt === undefined ? {} : { crashAt }) }),
      better: (a: Record<string, number>, b: Record<string, number>) => a.loss! < b.loss!,
    });
    const make = (task: ReturnType<typeof ranked>, resume: boolean) =>
      new Trainer({
        model: new TinyNet(3),
        task,
        seed: 5,
        steps: 16,
        lr: 0.02,
        warmupSteps: 3,
        evalEvery: 4,
        progress: false,
        out: join(root, 'best'),
        ...(resume ? { resume: true } : {}),
      });
    await assert.rejects(make(ranked(10), false).fit(), /simulated crash/);
    const saved = await readTrainerState(join(root, 'best', BEST_DIR));
    assert.equal(saved.step, 8);
    const t = make(ranked(), true);
    const r = await t.fit();
    const losses = r.evals.map((e) => e.metrics.loss!);
    assert.equal(r.best?.metrics.loss, Math.min(saved.best!.metrics.loss!, ...losses));
    const state = await readTrainerState(join(root, 'best', BEST_DIR));
    assert.equal(state.step, r.best?.step);
    const copy = new TinyNet(0);
    const w = await loadModelWeights(join(root, 'best', BEST_DIR), state);
    copy.loadStateDict(w);
    copy.eval();
    assert.equal(noGrad(() => ranked().evaluate(copy)).loss, r.best?.metrics.loss);
  });

  it('rejects bad options', () => {
    assert.throws(
      () => new Trainer({ model: new TinyNet(1), task: tinyTask({ seed: 1, batch: 2 }) }),
      (e) => isFrugalError(e, 'E_ARG'),
    );
  });
});
