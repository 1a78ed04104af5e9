/**
 * Hugging Face checkpoint directories: config.json plus model.safetensors with HF tensor names.
 * Loading checks every tensor (missing, unexpected, shape) before any weight changes.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { cast } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelConfig } from './config.js';
import { createModel, type FrugalModel } from './create.js';
import { configFromHf, configToHf } from './hf-config.js';
import { hfNameMap, isIgnorableHfTensor } from './hf-names.js';
import { readHfWeights, WEIGHTS_FILE } from './hf-weights.js';
import { writeSafetensors } from './safetensors.js';

const OP = 'loadHfCheckpoint';
const CONFIG_FILE = 'config.json';

export interface LoadHfOptions {
  /** With strict off, parameters missing from the file keep their fresh (seeded) values and
   * unexpected tensors are skipped, e.g. to fine-tune a BertModel checkpoint that has no classifier. */
  strict?: boolean;
  /** Seed of the fresh initialization non-strict loading keeps for missing tensors. */
  seed?: number;
}

async function readConfig(dir: string): Promise<ModelConfig> {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new FrugalError('E_IO', 'cannot read the checkpoint config', { op: OP, file, cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new FrugalError('E_IO', 'config.json is not valid JSON', { op: OP, file, cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FrugalError('E_IO', 'config.json must hold a JSON object', { op: OP, file });
  }
  return configFromHf(parsed as Record<string, unknown>, file);
}

/** BertModel checkpoints name tensors without the "bert." prefix of the task models. */
function bertPrefix(tensors: Record<string, Tensor>): string {
  return 'embeddings.word_embeddings.weight' in tensors ? '' : 'bert.';
}

/** Reads a HF-layout directory (config.json + model.safetensors, or sharded safetensors) into a Frugal model. */
export async function loadHfCheckpoint(dir: string, opts: LoadHfOptions = {}): Promise<FrugalModel> {
  const strict = opts.strict ?? true;
  const config = await readConfig(dir);
  const { tensors, source, fileOf } = await readHfWeights(dir);
  const model = createModel(config, { seed: opts.seed ?? 0 });
  const converted: Tensor[] = [];
  try {
    const named = new Map(model.namedParameters());
    const map = hfNameMap(config, [...named.keys()], config.arch === 'bert' ? bertPrefix(tensors) : 'bert.');
    const used = new Set<string>();
    const state: Record<string, Tensor> = {};
    for (const [name, hf] of map) {
      const t = tensors[hf];
      const p = named.get(name)!;
      if (!t) {
        if (!strict) continue;
        throw new FrugalError('E_NOT_FOUND', `tensor ${hf} is missing`, {
          op: OP,
          file: source,
          field: hf,
          hint: 'pass { strict: false } to keep fresh values for missing tensors',
        });
      }
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
        throw new FrugalError('E_SHAPE', `tensor ${hf} is [${t.shape}], config.json implies [${p.shape}]`, {
          op: OP,
          file: fileOf(hf),
          field: hf,
          shapes: [t.shape, p.shape],
        });
      }
      used.add(hf);
      state[name] = t.dtype === p.dtype ? t : cast(t, p.dtype);
      if (state[name] !== t) converted.push(state[name]!);
    }
    if (strict) {
      const extra = Object.keys(tensors).find((n) => !used.has(n) && !isIgnorableHfTensor(config, n));
      if (extra !== undefined) {
        throw new FrugalError(
          'E_NOT_FOUND',
          `unexpected tensor ${extra} (no ${config.arch} parameter has that name)`,
          {
            op: OP,
            file: fileOf(extra),
            field: extra,
            hint: 'pass { strict: false } to skip tensors the model does not use',
          },
        );
      }
    }
    model.loadStateDict(state, { strict: false });
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const t of [...Object.values(tensors), ...converted]) t.dispose();
  }
}

/** Writes `model` as config.json + model.safetensors with HF names (tied heads are not duplicated). */
export async function saveHfCheckpoint(model: FrugalModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const named = model.namedParameters();
  const map = hfNameMap(
    model.config,
    named.map(([n]) => n),
  );
  const values = new Map(named);
  const tensors = Object.fromEntries(map.map(([name, hf]) => [hf, values.get(name)!.value]));
  await writeSafetensors(join(dir, WEIGHTS_FILE), tensors, { format: 'pt' });
  await writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(configToHf(model.config), null, 2)}\n`);
}
