/**
 * Compressed checkpoints: the directory layout of `frugal train` (config.json, tokenizer.json,
 * model.safetensors) where model.safetensors holds the quantized state dict (INT8 / packed INT4
 * codes, f32 scales, every other parameter in f32) and its metadata records the method and each
 * quantized layer's layout, so that loading rebuilds the same modules before filling them.
 * compress.json records where the model came from (the source run) and the compression report.
 */

import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { type ModelConfig, resolveConfig } from '../models/config.js';
import { createModel, type FrugalModel } from '../models/create.js';
import { readSafetensors, writeSafetensors } from '../models/safetensors.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { CHECKPOINT_FILES, parseJson, readCheckpointFile } from '../train/checkpoint.js';
import { findLayers } from './layers.js';
import type { LayerPlan } from './quantize-model.js';
import { QuantizedLinear } from './quantized-linear.js';
import { type EmbeddingLayout, QuantizedEmbedding } from './xtc-embedding.js';

export const COMPRESS_FILE = 'compress.json';
const FORMAT = 'frugal-compressed';

export interface CompressedMetadata {
  method: string;
  layers: LayerPlan[];
  /** Quantized embedding tables (XTC); absent when every table is f32. */
  embeddings?: EmbeddingLayout[];
}

/** Swaps the planned Linear layers of a freshly built model for empty quantized ones. */
export function applyQuantizedLayout(model: Module, layers: readonly LayerPlan[], file: string): void {
  const sites = new Map(findLayers(model, (m): m is Linear => m instanceof Linear).map((s) => [s.path, s]));
  for (const l of layers) {
    const site = sites.get(l.path);
    if (!site || site.layer.inFeatures !== l.inFeatures || site.layer.outFeatures !== l.outFeatures) {
      throw new FrugalError('E_IO', `quantized layer ${l.path} does not match the model in config.json`, {
        op: 'loadCompressedCheckpoint',
        file,
        field: l.path,
        hint: 'config.json and model.safetensors come from different models',
      });
    }
    site.parent.replaceChild(site.name, QuantizedLinear.placeholder(l, site.layer.bias !== undefined));
    site.layer.dispose();
  }
}

/** Swaps the listed embedding tables of a freshly built model for empty quantized ones. */
export function applyEmbeddingLayout(model: Module, tables: readonly EmbeddingLayout[], file: string): void {
  const sites = new Map(
    findLayers(model, (m): m is Embedding => m instanceof Embedding).map((s) => [s.path, s]),
  );
  for (const e of tables) {
    const site = sites.get(e.path);
    if (!site || site.layer.vocabSize !== e.vocabSize || site.layer.dim !== e.dim) {
      throw new FrugalError('E_IO', `quantized embedding ${e.path} does not match the model in config.json`, {
        op: 'loadCompressedCheckpoint',
        file,
        field: e.path,
        hint: 'config.json and model.safetensors come from different models',
      });
    }
    site.parent.replaceChild(site.name, QuantizedEmbedding.placeholder(e));
    site.layer.dispose();
  }
}

export async function saveCompressedCheckpoint(
  dir: string,
  model: Module,
  meta: CompressedMetadata,
  files: { config: ModelConfig; sourceDir?: string; record: Record<string, unknown> },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, CHECKPOINT_FILES.model), model.stateDict(), {
    format: FORMAT,
    method: meta.method,
    layers: JSON.stringify(meta.layers),
    ...(meta.embeddings ? { embeddings: JSON.stringify(meta.embeddings) } : {}),
  });
  await writeFileAtomic(join(dir, CHECKPOINT_FILES.config), `${JSON.stringify(files.config, null, 2)}\n`);
  const tokenizer = files.sourceDir && join(files.sourceDir, CHECKPOINT_FILES.tokenizer);
  if (tokenizer && existsSync(tokenizer)) await copyFile(tokenizer, join(dir, CHECKPOINT_FILES.tokenizer));
  await writeFileAtomic(join(dir, COMPRESS_FILE), `${JSON.stringify(files.record, null, 2)}\n`);
}

/** Loads a compressed checkpoint into a runnable model (eval mode). */
export async function loadCompressedCheckpoint(
  dir: string,
): Promise<{ model: FrugalModel; config: ModelConfig; meta: CompressedMetadata }> {
  const configFile = join(dir, CHECKPOINT_FILES.config);
  const config = resolveConfig(
    parseJson(await readCheckpointFile(dir, CHECKPOINT_FILES.config), configFile) as Partial<ModelConfig>,
  );
  const file = join(dir, CHECKPOINT_FILES.model);
  await readCheckpointFile(dir, CHECKPOINT_FILES.model);
  const { tensors, metadata } = await readSafetensors(file);
  if (metadata.format !== FORMAT || typeof metadata.layers !== 'string') {
    for (const t of Object.values(tensors)) t.dispose();
    throw new FrugalError(
      'E_IO',
      `${file} is not a compressed checkpoint (metadata format ${String(metadata.format)})`,
      {
        op: 'loadCompressedCheckpoint',
        file,
        hint: 'an uncompressed `frugal train` checkpoint loads with `frugal eval`; compress it with `frugal compress`',
      },
    );
  }
  const layers = JSON.parse(metadata.layers) as LayerPlan[];
  const embeddings =
    typeof metadata.embeddings === 'string'
      ? (JSON.parse(metadata.embeddings) as EmbeddingLayout[])
      : undefined;
  const model = createModel(config);
  try {
    applyQuantizedLayout(model, layers, file);
    if (embeddings) applyEmbeddingLayout(model, embeddings, file);
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  model.eval();
  return {
    model,
    config,
    meta: { method: metadata.method ?? 'unknown', layers, ...(embeddings ? { embeddings } : {}) },
  };
}
