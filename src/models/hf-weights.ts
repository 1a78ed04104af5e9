/**
 * The weights of a HF checkpoint directory: one model.safetensors, or shards listed by
 * model.safetensors.index.json ({ weight_map: { tensor name: shard file } }).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FrugalError } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { readSafetensors } from './safetensors.js';

const OP = 'loadHfCheckpoint';
export const WEIGHTS_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';

export interface HfWeights {
  tensors: Record<string, Tensor>;
  /** The file to name when a tensor is missing: model.safetensors or the shard index. */
  source: string;
  /** The file a tensor was read from. */
  fileOf(name: string): string;
}

async function readIndex(path: string): Promise<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new FrugalError('E_IO', 'the shard index is unreadable or not JSON', { op: OP, file: path, cause });
  }
  const map = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (!map || typeof map !== 'object' || Object.values(map).some((f) => typeof f !== 'string')) {
    throw new FrugalError('E_IO', 'the shard index needs a weight_map of tensor name → file name', {
      op: OP,
      file: path,
      field: 'weight_map',
    });
  }
  return map as Record<string, string>;
}

export async function readHfWeights(dir: string): Promise<HfWeights> {
  const single = join(dir, WEIGHTS_FILE);
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(single) || !existsSync(indexPath)) {
    const { tensors } = await readSafetensors(single);
    return { tensors, source: single, fileOf: () => single };
  }
  const map = await readIndex(indexPath);
  const tensors: Record<string, Tensor> = {};
  const origin = new Map<string, string>();
  try {
    for (const shard of new Set(Object.values(map))) {
      const file = join(dir, shard);
      const content = await readSafetensors(file);
      for (const [name, t] of Object.entries(content.tensors)) {
        if (name in tensors) {
          throw new FrugalError('E_IO', `tensor ${name} appears in two shards`, {
            op: OP,
            file,
            field: name,
          });
        }
        tensors[name] = t;
        origin.set(name, file);
      }
    }
    for (const [name, shard] of Object.entries(map)) {
      if (origin.get(name) !== join(dir, shard)) {
        throw new FrugalError('E_IO', `the index puts ${name} in ${shard}, but that shard does not hold it`, {
          op: OP,
          file: indexPath,
          field: name,
        });
      }
    }
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
  return { tensors, source: indexPath, fileOf: (name) => origin.get(name) ?? indexPath };
}
