/** ONNX export straight from a checkpoint directory (config.json + model.safetensors, as the trainer writes). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FrugalError } from '../../core/errors.js';
import { resolveConfig } from '../config.js';
import { createModel, type FrugalModel } from '../create.js';
import { readSafetensors } from '../safetensors.js';
import { exportOnnx } from './export.js';

/** The model a checkpoint directory describes, weights loaded, in eval mode. */
export async function loadCheckpointDir(dir: string): Promise<FrugalModel> {
  const configFile = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch (e) {
    throw new FrugalError('E_IO', `cannot read ${configFile}: ${(e as Error).message}`, {
      op: 'loadCheckpointDir',
      file: configFile,
      hint: 'point --checkpoint at the --out directory of `frugal train`',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FrugalError('E_IO', `${configFile} is not valid JSON: ${(e as Error).message}`, {
      op: 'loadCheckpointDir',
      file: configFile,
    });
  }
  const model = createModel(resolveConfig(json as Parameters<typeof resolveConfig>[0]));
  const { tensors } = await readSafetensors(join(dir, 'model.safetensors'));
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  model.eval();
  return model;
}

/** Loads the checkpoint in `dir` and writes it as ONNX to `out`; returns the model's arch. */
export async function exportCheckpointOnnx(dir: string, out: string): Promise<FrugalModel> {
  const model = await loadCheckpointDir(dir);
  await exportOnnx(model, out, { docString: `exported by frugal from ${dir}` });
  return model;
}
