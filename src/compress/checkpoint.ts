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
import { noGrad } from '../autograd/variable.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { fromTokenizerJson } from '../data/tokenizer-json.js';
import { BertForSequenceClassification } from '../models/bert.js';
import { type ModelConfig, resolveConfig } from '../models/config.js';
import { createModel, type FrugalModel } from '../models/create.js';
import { LlamaForCausalLM } from '../models/llama.js';
import { readSafetensors, writeSafetensors } from '../models/safetensors.js';
import type { GenerateOptions } from '../models/sampling.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { CHECKPOINT_FILES, parseJson, readCheckpointFile } from '../train/checkpoint.js';
import { generateText } from '../train/generate.js';
import { checkpointDataOptions } from '../train/run.js';
import { evaluateClassifier, prepareClassifyData } from '../train/tasks/classify.js';
import { evaluateLm, prepareLmData } from '../train/tasks/lm.js';
import { findLayers } from './layers.js';
import { fuseNormQuantization } from './norm-quant.js';
import { parseSpec } from './nxm-spec.js';
import type { LayerPlan } from './quantize-model.js';
import { QuantizedLinear } from './quantized-linear.js';
import { type SparseLayout, SparseQuantizedLinear } from './sparse-linear.js';
import { type EmbeddingLayout, QuantizedEmbedding } from './xtc-embedding.js';

export const COMPRESS_FILE = 'compress.json';
const FORMAT = 'frugal-compressed';

export interface CompressedMetadata {
  method: string;
  layers: LayerPlan[];
  /** Quantized embedding tables (XTC); absent when every table is f32. */
  embeddings?: EmbeddingLayout[];
  /** N:M-sparse quantized Linears (NxMiFormer); absent for the other methods. */
  sparse?: SparseLayout[];
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

/** Swaps the listed Linear layers of a freshly built model for empty N:M-sparse packed ones. */
export function applySparseLayout(model: Module, layers: readonly SparseLayout[], file: string): void {
  const sites = new Map(findLayers(model, (m): m is Linear => m instanceof Linear).map((s) => [s.path, s]));
  for (const l of layers) {
    const site = sites.get(l.path);
    const spec = parseSpec(l.spec, `sparse.${l.path}.spec`);
    const perRow = (l.inFeatures * spec.n) / spec.m;
    const fits = Number.isInteger(perRow) && (spec.bits === 8 || perRow % 2 === 0);
    if (
      !site ||
      !fits ||
      site.layer.inFeatures !== l.inFeatures ||
      site.layer.outFeatures !== l.outFeatures
    ) {
      throw new FrugalError(
        'E_IO',
        `sparse layer ${l.path} (${l.spec}) does not match the model in config.json`,
        {
          op: 'loadCompressedCheckpoint',
          file,
          field: l.path,
          hint: 'config.json and model.safetensors come from different models',
        },
      );
    }
    site.parent.replaceChild(
      site.name,
      SparseQuantizedLinear.placeholder(spec, l.outFeatures, l.inFeatures, site.layer.bias !== undefined),
    );
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
    ...(meta.sparse ? { sparse: JSON.stringify(meta.sparse) } : {}),
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
  const sparse =
    typeof metadata.sparse === 'string' ? (JSON.parse(metadata.sparse) as SparseLayout[]) : undefined;
  const model = createModel(config);
  try {
    applyQuantizedLayout(model, layers, file);
    if (embeddings) applyEmbeddingLayout(model, embeddings, file);
    if (sparse) applySparseLayout(model, sparse, file);
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  model.eval();
  fuseNormQuantization(model);
  return {
    model,
    config,
    meta: {
      method: metadata.method ?? 'unknown',
      layers,
      ...(embeddings ? { embeddings } : {}),
      ...(sparse ? { sparse } : {}),
    },
  };
}

/** Whether `dir` was written by `frugal compress` (it has compress.json). */
export function isCompressedCheckpoint(dir: string): boolean {
  return existsSync(join(dir, COMPRESS_FILE));
}

/** The data fields of the source run that eval and generate need, from compress.json. */
interface SourceRun {
  task: 'classify' | 'lm';
  seqLen: number;
  vocabSize: number;
  splitSeed: number;
  limit?: number;
  evalBlocks?: number;
}

async function readSource(dir: string): Promise<{ run: SourceRun; step: number }> {
  const file = join(dir, COMPRESS_FILE);
  const doc = parseJson(await readCheckpointFile(dir, COMPRESS_FILE), file) as {
    source?: { step?: unknown; run?: Partial<Record<keyof SourceRun, unknown>> };
  };
  const run = doc.source?.run;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (
    !run ||
    (run.task !== 'classify' && run.task !== 'lm') ||
    !num(run.seqLen) ||
    !num(run.vocabSize) ||
    !num(run.splitSeed)
  ) {
    throw new FrugalError(
      'E_IO',
      `${file} does not record its source run (task, seqLen, vocabSize, splitSeed)`,
      {
        op: 'loadCompressedCheckpoint',
        file,
        field: 'source.run',
        hint: 'write the directory again with `frugal compress`',
      },
    );
  }
  return { run: run as unknown as SourceRun, step: num(doc.source?.step) ? (doc.source?.step as number) : 0 };
}

async function loadWithTokenizer(dir: string) {
  const loaded = await loadCompressedCheckpoint(dir);
  const file = join(dir, CHECKPOINT_FILES.tokenizer);
  const tokenizer = fromTokenizerJson(
    parseJson(await readCheckpointFile(dir, CHECKPOINT_FILES.tokenizer), file),
    file,
  );
  return { ...loaded, tokenizer, ...(await readSource(dir)) };
}

/** `frugal eval` on a compressed checkpoint: the source run's split, scored with the compressed model. */
export async function evaluateCompressedCheckpoint(
  dir: string,
  split: 'validation' | 'test',
): Promise<Record<string, unknown>> {
  const { model, tokenizer, run, step, meta } = await loadWithTokenizer(dir);
  // The source run record is stored verbatim, message view included.
  const dataOpts = checkpointDataOptions(
    run as unknown as Parameters<typeof checkpointDataOptions>[0],
    tokenizer,
  );
  const head = { checkpoint: dir, method: meta.method, task: run.task, step, split };
  const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
  try {
    if (run.task === 'classify' && model instanceof BertForSequenceClassification) {
      const data = prepareClassifyData(dataOpts);
      const m = noGrad(() => evaluateClassifier(model, data, data[split]));
      return { ...head, ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round4(v)])) };
    }
    if (run.task === 'lm' && model instanceof LlamaForCausalLM) {
      const data = prepareLmData(dataOpts);
      const loss = noGrad(() => evaluateLm(model, data[split], run.evalBlocks));
      return { ...head, loss: round4(loss), perplexity: round4(Math.exp(loss)) };
    }
    throw new FrugalError('E_CONFIG', `the ${run.task} run in ${dir} does not hold a matching model`, {
      op: 'frugal eval',
      file: join(dir, CHECKPOINT_FILES.config),
    });
  } finally {
    model.dispose();
  }
}

/** `frugal generate` on a compressed language model: the text it writes after `prompt`. */
export async function generateFromCompressed(
  dir: string,
  prompt: string,
  opts: Omit<GenerateOptions, 'eosId'>,
): Promise<string> {
  const { model, tokenizer } = await loadWithTokenizer(dir);
  try {
    return generateText(model, tokenizer, prompt, opts, dir);
  } finally {
    model.dispose();
  }
}
