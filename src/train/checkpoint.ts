import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../models/safetensors.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';

export const CHECKPOINT_FILES = {
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'trainer-state.json',
  config: 'config.json',
  tokenizer: 'tokenizer.json',
} as const;

const STAGED = '.partial';

/** Everything a run needs besides the weights to continue exactly where it stopped. */
export interface TrainerState {
  version: 1;
  /** Optimizer steps completed. */
  step: number;
  seed: number;
  /** Step at which the learning-rate schedule ends (fixed once chosen, so a resume follows the same curve). */
  totalSteps: number;
  /** Wall seconds spent training, summed over every session of the run. */
  elapsedS: number;
  tokensSeen: number;
  /** What the caller needs to rebuild the data and the run (task name, split seed, batch, lr, ...). */
  run: Record<string, unknown>;
  /** The best validation so far, whose weights are in the best/ subdirectory (tasks that rank evals). */
  best?: { step: number; elapsedS: number; metrics: Record<string, number> };
}

export interface Checkpoint {
  model: Record<string, Tensor>;
  optimizer: OptimizerState;
  state: TrainerState;
  /** Further files written verbatim beside the weights (config.json, tokenizer.json). */
  extras?: Record<string, string>;
}

/**
 * Writes a checkpoint into `dir`. Every file is first written in full (atomically) under a staged
 * name, and only then are the staged files renamed into place, trainer-state.json last: a crash
 * while the bytes are written leaves the previous checkpoint whole, and the files carry their step
 * so that a crash between the renames is detected on load instead of mixing two checkpoints.
 */
export async function saveCheckpoint(dir: string, c: Checkpoint): Promise<void> {
  const step = String(c.state.step);
  // Encoded one at a time while staging, so only one file's bytes are in memory at once.
  const files: [string, () => string | Uint8Array][] = [
    ...Object.entries(c.extras ?? {}).map(([name, text]): [string, () => string] => [name, () => text]),
    [CHECKPOINT_FILES.model, () => encodeSafetensors(c.model, { format: 'frugal', step })],
    [
      CHECKPOINT_FILES.optimizer,
      () =>
        encodeSafetensors(c.optimizer.tensors, {
          step: String(c.optimizer.step),
          lr: String(c.optimizer.lr),
        }),
    ],
    [CHECKPOINT_FILES.state, () => `${JSON.stringify(c.state, null, 2)}\n`],
  ];
  await removeStaged(dir);
  try {
    for (const [name, data] of files) await writeFileAtomic(join(dir, name + STAGED), data());
  } catch (e) {
    await removeStaged(dir);
    throw e;
  }
  for (const [name] of files) await rename(join(dir, name + STAGED), join(dir, name));
}

/**
 * Writes weights without optimizer state (the best-validation snapshot): a directory that `frugal
 * eval` and `loadCheckpointModel` read like a checkpoint, but that cannot be resumed. Staged and
 * renamed like saveCheckpoint, trainer-state.json last.
 */
export async function saveWeights(
  dir: string,
  c: Pick<Checkpoint, 'model' | 'state' | 'extras'>,
): Promise<void> {
  const files: [string, () => string | Uint8Array][] = [
    ...Object.entries(c.extras ?? {}).map(([name, text]): [string, () => string] => [name, () => text]),
    [
      CHECKPOINT_FILES.model,
      () => encodeSafetensors(c.model, { format: 'frugal', step: String(c.state.step) }),
    ],
    [CHECKPOINT_FILES.state, () => `${JSON.stringify(c.state, null, 2)}\n`],
  ];
  await mkdir(dir, { recursive: true });
  await removeStaged(dir);
  for (const [name, data] of files) await writeFileAtomic(join(dir, name + STAGED), data());
  for (const [name] of files) await rename(join(dir, name + STAGED), join(dir, name));
}

/** Reads trainer-state.json alone (cheap: for eval and generate, which need no optimizer). */
export async function readTrainerState(dir: string): Promise<TrainerState> {
  const file = join(dir, CHECKPOINT_FILES.state);
  const doc = parseJson(await readCheckpointFile(dir, CHECKPOINT_FILES.state), file) as Partial<TrainerState>;
  for (const key of ['step', 'seed', 'totalSteps', 'elapsedS', 'tokensSeen'] as const)
    if (typeof doc[key] !== 'number' || !Number.isFinite(doc[key]))
      throw new FrugalError('E_IO', `trainer state lacks a numeric ${key}`, {
        op: 'readTrainerState',
        file,
        field: key,
        hint: 'the checkpoint is corrupt or from another program: start a new run without --resume',
      });
  if (doc.version !== 1 || typeof doc.run !== 'object' || doc.run === null)
    throw new FrugalError('E_IO', `unsupported trainer state version ${String(doc.version)}`, {
      op: 'readTrainerState',
      file,
      field: 'version',
    });
  return doc as TrainerState;
}

/** Reads the weights of a checkpoint and checks that they belong to the step in trainer-state.json. */
export async function loadModelWeights(dir: string, state: TrainerState): Promise<Record<string, Tensor>> {
  const file = join(dir, CHECKPOINT_FILES.model);
  const { tensors, metadata } = decodeSafetensors(
    await readCheckpointFile(dir, CHECKPOINT_FILES.model),
    file,
  );
  checkStep(metadata.step, state.step, file);
  return tensors;
}

/** Reads the optimizer state of a checkpoint (same step check as the weights). */
export async function loadOptimizerState(dir: string, state: TrainerState): Promise<OptimizerState> {
  const file = join(dir, CHECKPOINT_FILES.optimizer);
  const { tensors, metadata } = decodeSafetensors(
    await readCheckpointFile(dir, CHECKPOINT_FILES.optimizer),
    file,
  );
  checkStep(metadata.step, state.step, file);
  const lr = Number(metadata.lr);
  if (!Number.isFinite(lr))
    throw new FrugalError('E_IO', `optimizer checkpoint has lr ${metadata.lr}`, { file, field: 'lr' });
  return { step: state.step, lr, tensors };
}

/** Reads one file of a checkpoint, failing with the path and what to do when it is missing. */
export async function readCheckpointFile(dir: string, name: string): Promise<Uint8Array> {
  const file = join(dir, name);
  if (!existsSync(file))
    throw new FrugalError('E_IO', `checkpoint file ${name} is missing`, {
      op: 'readCheckpoint',
      file,
      hint: `pass a directory written by \`frugal train --out\` (it holds ${Object.values(CHECKPOINT_FILES).join(', ')})`,
    });
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new FrugalError('E_IO', `cannot read ${name}`, { op: 'readCheckpoint', file, cause: e });
  }
}

export function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new FrugalError('E_IO', 'not valid JSON (truncated or corrupt)', {
      op: 'readCheckpoint',
      file,
      cause: e,
    });
  }
}

function checkStep(saved: string | undefined, step: number, file: string): void {
  if (saved !== String(step))
    throw new FrugalError(
      'E_IO',
      `holds step ${saved ?? '(none)'} but trainer-state.json says step ${step}`,
      {
        op: 'readCheckpoint',
        file,
        field: 'step',
        hint: 'the run stopped while its checkpoint was being replaced; restart without --resume',
      },
    );
}

async function removeStaged(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const name of await readdir(dir))
    if (name.endsWith(STAGED)) await rm(join(dir, name), { force: true });
}
