import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { tensor } from '../../src/ops/index.js';
import {
  loadModelWeights,
  loadOptimizerState,
  readTrainerState,
  saveCheckpoint,
  type TrainerState,
} from '../../src/train/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-ckpt-'));
after(() => rmSync(root, { recursive: true, force: true }));

const state = (step: number): TrainerState => ({
  version: 1,
  step,
  seed: 1,
  totalSteps: 10,
  elapsedS: step,
  tokensSeen: 8 * step,
  run: { task: 'toy' },
});

function checkpoint(step: number) {
  return {
    model: { w: tensor([step, step + 1], { shape: [2] }) },
    optimizer: { step, lr: 0.5, tensors: { 'w.0': tensor([0.25, 0.5], { shape: [2] }) } },
    state: state(step),
    extras: { 'config.json': '{"arch":"toy"}\n' },
  };
}

describe('checkpoints', () => {
  it('round-trips weights, optimizer state and trainer state', async () => {
    const dir = join(root, 'ok');
    await saveCheckpoint(dir, checkpoint(3));
    const s = await readTrainerState(dir);
    assert.deepEqual(s, state(3));
    assert.deepEqual(Array.from((await loadModelWeights(dir, s)).w!.toFlatArray()), [3, 4]);
    const opt = await loadOptimizerState(dir, s);
    assert.equal(opt.lr, 0.5);
    assert.deepEqual(Array.from(opt.tensors['w.0']!.toFlatArray()), [0.25, 0.5]);
  });

  it('a save that fails part-way leaves the previous checkpoint whole and no partial file', async () => {
    const dir = join(root, 'crash');
    await saveCheckpoint(dir, checkpoint(2));
    const broken = { ...checkpoint(4), extras: { 'config.json': '{"arch":"new"}\n' } };
    broken.model.w.dispose();
    await assert.rejects(saveCheckpoint(dir, broken));
    const s = await readTrainerState(dir);
    assert.equal(s.step, 2);
    assert.deepEqual(Array.from((await loadModelWeights(dir, s)).w!.toFlatArray()), [2, 3]);
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), '{"arch":"toy"}\n');
    assert.deepEqual(
      readdirSync(dir).filter(
        (f) => !/^(model|optimizer)\.safetensors$|^trainer-state\.json$|^config\.json$/.test(f),
      ),
      [],
    );
  });

  it('ignores the staged files a killed save left behind, and clears them on the next save', async () => {
    const dir = join(root, 'killed');
    await saveCheckpoint(dir, checkpoint(1));
    writeFileSync(join(dir, 'model.safetensors.partial'), 'half a file');
    const s = await readTrainerState(dir);
    assert.deepEqual(Array.from((await loadModelWeights(dir, s)).w!.toFlatArray()), [1, 2]);
    await saveCheckpoint(dir, checkpoint(2));
    assert.equal(existsSync(join(dir, 'model.safetensors.partial')), false);
  });

  it('detects weights from another step than the trainer state', async () => {
    const dir = join(root, 'mixed');
    await saveCheckpoint(dir, checkpoint(5));
    await assert.rejects(
      loadModelWeights(dir, state(6)),
      (e) => isFrugalError(e, 'E_IO') && /step 5/.test(e.message),
    );
  });

  it('names the missing file and the directory it expected', async () => {
    await assert.rejects(
      readTrainerState(join(root, 'none')),
      (e) =>
        isFrugalError(e, 'E_IO') &&
        e.message.includes('trainer-state.json') &&
        /frugal train/.test(e.message),
    );
  });
});
