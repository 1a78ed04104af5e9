/**
 * `frugal compress --method nxm` (NxMiFormer) on a `frugal train` classification checkpoint:
 *  1. targets: the attention and FFN Linears (minus `exclude`); `modules` entries fix some specs;
 *  2. with `ratio`: per-component sensitivity on the validation split, then the greedy search for
 *     a heterogeneous (N:M, bits) assignment meeting the ratio;
 *  3. ADMM towards that assignment, hard pruning, STE fine-tuning with the masks fixed (admm.ts);
 *  4. every trained layer packed into a SparseQuantizedLinear (sparse-linear.ts, the N:M kernel);
 *  5. the packed model measured against the f32 checkpoint on the test split (task metrics,
 *     logit agreement, compression with and without metadata, forward latency interleaved).
 * Writes into `out`: report.json, nxm-log.jsonl (sensitivity rows), admm/ and finetune/ (the
 * Trainer's metrics.jsonl and f32 checkpoints of each phase) and the compressed checkpoint
 * (checkpoint.ts: model.safetensors with the packed layers' codes, metadata and scales, every other
 * parameter f32, each packed layer's spec in its metadata; config.json, tokenizer.json,
 * compress.json), which `frugal eval` and loadCompressedCheckpoint load.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { noGrad } from '../autograd/variable.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import { JsonlLog } from '../core/log.js';
import { startProgress } from '../core/progress.js';
import { median } from '../core/timing.js';
import { padBatch } from '../data/batching.js';
import { BertForSequenceClassification } from '../models/bert.js';
import { hfNameMap } from '../models/hf-names.js';
import { readSafetensors } from '../models/safetensors.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import { parseJson, readCheckpointFile } from '../train/checkpoint.js';
import { loadCheckpointModel } from '../train/run.js';
import {
  type ClassifyData,
  classifyTask,
  evaluateClassifier,
  prepareClassifyData,
} from '../train/tasks/classify.js';
import { attachNxm, type NxmTrainResult, trainNxm } from './admm.js';
import { applySparseLayout, saveCompressedCheckpoint } from './checkpoint.js';
import { findLayers } from './layers.js';
import { type LatencyComparison, LogitComparison, type LogitStats } from './measure.js';
import { candidatesOf, fixedSpecOf, isExcluded, type NxmConfig } from './nxm-config.js';
import { NxmLinear } from './nxm-linear.js';
import { type SearchResult, searchAssignment } from './nxm-search.js';
import { type NxmBytes, type NxmRatio, type NxmSpec, nxmRatio, specName } from './nxm-spec.js';
import { measureSensitivity, nxmTargets, type SensitivityTable, type TargetLayer } from './sensitivity.js';
import { type SparseLayout, SparseQuantizedLinear } from './sparse-linear.js';
import { f32Data } from './tensor-data.js';

export interface NxmRunOptions {
  checkpoint: string;
  out: string;
  config: NxmConfig;
  onProgress?: (message: string) => void;
  progress?: boolean;
}

export interface NxmReport {
  method: 'nxm';
  checkpoint: string;
  out: string;
  config: NxmConfig;
  /** What the ratios count (see nxm-spec.ts). */
  counted: string;
  assignment: { path: string; spec: string }[];
  sensitivity?: SensitivityTable;
  search?: Omit<SearchResult, 'assignment'>;
  size: {
    fp32Bytes: number;
    valueBytes: number;
    metadataBytes: number;
    scaleBytes: number;
    /** values + metadata + scales: what `frugal compress report` divides fp32Bytes by. */
    compressedBytes: number;
    ratio: NxmRatio;
  };
  train: { admmSteps: number; finetuneSteps: number; residual?: number; validation?: Record<string, number> };
  fp32: Record<string, number>;
  compressed: Record<string, number>;
  /** compressed accuracy / fp32 accuracy on the test split. */
  accuracyRetained: number;
  logits: LogitStats & { rows: number };
  latency: LatencyComparison & { reps: number };
  elapsedS: number;
}

interface Batch {
  ids: ReturnType<typeof tensor>;
  mask: ReturnType<typeof tensor>;
}

function batchOf(data: ClassifyData, docs: readonly number[][]): Batch {
  const p = padBatch(docs, { padId: data.padId, length: data.seqLen, truncate: true });
  return { ids: tensor(p.ids, { shape: p.shape }), mask: tensor(p.attentionMask, { shape: p.shape }) };
}

function hfName(model: BertForSequenceClassification, path: string): string | undefined {
  try {
    return hfNameMap(model.config, [`${path}.weight`])[0]![1].replace(/\.weight$/, '');
  } catch {
    return undefined;
  }
}

interface Plan {
  assignment: Map<string, NxmSpec>;
  sensitivity?: SensitivityTable;
  search?: SearchResult;
}

function plan(
  model: BertForSequenceClassification,
  data: ClassifyData,
  c: NxmConfig,
  log: JsonlLog,
  progress: boolean,
): Plan {
  const named = nxmTargets(model).map((t) => ({ t, names: { path: t.path, hf: hfName(model, t.path) } }));
  const kept = named.filter(({ names }) => !isExcluded(c, names));
  const fixed = new Map<string, NxmSpec>();
  for (const { t, names } of kept) {
    const spec = fixedSpecOf(c, names);
    if (spec) fixed.set(t.path, spec);
  }
  const candidates = candidatesOf(c);
  if (c.ratio === undefined) {
    const assignment = new Map(fixed);
    if (!c.modules) for (const { t } of kept) assignment.set(t.path, candidates[0]!);
    return { assignment };
  }
  const targets: TargetLayer[] = kept.map(({ t }) => t);
  const free = targets.filter((t) => !fixed.has(t.path));
  const limit = c.sensitivity?.limit ?? 128;
  const split = {
    docs: data.validation.docs.slice(0, limit),
    labels: data.validation.labels.slice(0, limit),
  };
  const bar = progress ? startProgress('sensitivity', free.length * candidates.length) : undefined;
  const sensitivity = noGrad(() =>
    measureSensitivity({
      model,
      targets: free,
      candidates,
      evaluate: () => evaluateClassifier(model, data, split).loss,
      onRow: (row, done) => {
        log.write('sensitivity', { ...row });
        bar?.update(done);
      },
    }),
  );
  bar?.stop();
  const search = searchAssignment({
    targets,
    candidates,
    sensitivity,
    ratio: c.ratio,
    fixed,
    ...(c.countMetadata === undefined ? {} : { countMetadata: c.countMetadata }),
  });
  for (const m of search.moves) log.write('search', { ...m });
  return { assignment: search.assignment, sensitivity, search };
}

/** Replaces every NxmLinear by its packed inference layer; returns the packed layers. */
function packAll(model: Module): { path: string; layer: SparseQuantizedLinear }[] {
  return findLayers(model, (m): m is NxmLinear => m instanceof NxmLinear).map((s) => {
    const packed = SparseQuantizedLinear.fromNxm(s.layer);
    s.parent.replaceChild(s.name, packed);
    s.layer.dispose();
    return { path: s.path, layer: packed };
  });
}

/** Median forward times of both models on one batch, sampled alternately so load hits both alike. */
function interleavedLatency(a: Module, b: Module, batch: Batch, reps: number) {
  const run = (m: Module) => {
    const t0 = performance.now();
    noGrad(() => tidy(() => (m as BertForSequenceClassification).forward(batch.ids, batch.mask)));
    return performance.now() - t0;
  };
  run(a);
  run(b);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < reps; r++) {
    ta.push(run(a));
    tb.push(run(b));
  }
  return { fp32Ms: median(ta), compressedMs: median(tb) };
}

export async function runNxm(o: NxmRunOptions): Promise<NxmReport> {
  const start = performance.now();
  const say = o.onProgress ?? (() => undefined);
  const progress = o.progress ?? true;
  const c = o.config;
  const teacher = await loadCheckpointModel(o.checkpoint);
  const student = await loadCheckpointModel(o.checkpoint);
  if (
    !(teacher.model instanceof BertForSequenceClassification) ||
    !(student.model instanceof BertForSequenceClassification)
  ) {
    throw new FrugalError('E_CONFIG', 'nxm runs on classification (BERT) checkpoints', {
      op: 'frugal compress --method nxm',
      file: o.checkpoint,
      hint: 'train one with `frugal train --task classify`',
    });
  }
  const model = student.model;
  const { run, tokenizer } = teacher;
  await mkdir(o.out, { recursive: true });
  const log = new JsonlLog(join(o.out, 'nxm-log.jsonl'));
  say(`data: ${run.task} split ${run.splitSeed}, seq ${run.seqLen}`);
  const data = prepareClassifyData({
    seqLen: run.seqLen,
    vocabSize: run.vocabSize,
    splitSeed: run.splitSeed,
    tokenizer,
    ...(run.limit === undefined ? {} : { limit: run.limit }),
  });
  say(
    c.ratio === undefined ? 'assigning specs from the config' : `sensitivity + search for ratio ${c.ratio}`,
  );
  const p = plan(model, data, c, log, progress);
  if (p.assignment.size === 0) {
    throw new FrugalError('E_CONFIG', 'the config selects no Linear to compress', {
      op: 'frugal compress --method nxm',
      field: 'modules',
      hint: 'give a ratio, or modules patterns that match Linear paths such as blocks.0.attn.q',
    });
  }
  for (const [path, spec] of p.assignment) log.write('assign', { path, spec: specName(spec) });
  const sites = attachNxm(model, p.assignment);
  const seed = c.seed ?? 0;
  const admmSteps = c.admm?.steps ?? 200;
  const finetuneSteps = c.finetune?.steps ?? 200;
  say(`ADMM ${admmSteps} steps, then fine-tuning ${finetuneSteps} steps with the masks fixed`);
  const trained: NxmTrainResult = await trainNxm({
    model,
    sites,
    task: classifyTask(data, { batch: c.batch ?? 16, seed }),
    admm: {
      steps: admmSteps,
      lr: c.admm?.lr ?? 1e-4,
      ...(c.admm?.rho === undefined ? {} : { rho: c.admm.rho }),
      ...(c.admm?.rhoGrowth === undefined ? {} : { rhoGrowth: c.admm.rhoGrowth }),
      ...(c.admm?.every === undefined ? {} : { every: c.admm.every }),
    },
    finetune: { steps: finetuneSteps, lr: c.finetune?.lr ?? 5e-5 },
    seed,
    out: { admm: join(o.out, 'admm'), finetune: join(o.out, 'finetune') },
    progress,
  });
  const packed = packAll(model);
  const bytes = packed.map((p) => p.layer.bytes());
  say('measuring on the test split');
  const limit = Math.min(c.eval?.limit ?? data.test.docs.length, data.test.docs.length);
  const test = { docs: data.test.docs.slice(0, limit), labels: data.test.labels.slice(0, limit) };
  const fp32 = noGrad(() => ({
    ...evaluateClassifier(teacher.model as BertForSequenceClassification, data, test),
  }));
  const compressed = noGrad(() => ({ ...evaluateClassifier(model, data, test) }));
  const compare = new LogitComparison();
  noGrad(() => {
    for (let i = 0; i < limit; i += 32) {
      tidy(() => {
        const b = batchOf(data, test.docs.slice(i, i + 32));
        const ref = (teacher.model as BertForSequenceClassification).forward(b.ids, b.mask).value;
        const got = model.forward(b.ids, b.mask).value;
        compare.add(f32Data(ref), f32Data(got), ref.shape[1]!);
      });
    }
  });
  const latencyBatch = c.eval?.latencyBatch ?? 8;
  const lb = batchOf(
    data,
    Array.from({ length: latencyBatch }, (_, i) => test.docs[i % test.docs.length]!),
  );
  const reps = 7;
  const lat = interleavedLatency(teacher.model, model, lb, reps);
  lb.ids.dispose();
  lb.mask.dispose();
  const sum = (f: (b: NxmBytes) => number) => bytes.reduce((s, b) => s + f(b), 0);
  const { search, sensitivity } = p;
  const report: NxmReport = {
    method: 'nxm',
    checkpoint: o.checkpoint,
    out: o.out,
    config: c,
    counted:
      'compressed Linear weights only (attention + FFN; embeddings, norms, pooler, classifier and biases stay f32 and are not counted): fp32 = 4 bytes per weight; compressed = kept codes at 8 or 4 bits + one f32 scale per output row, plus (withMetadata) ceil(log2 M) bits of position per kept code',
    assignment: [...p.assignment].map(([path, spec]) => ({ path, spec: specName(spec) })),
    ...(sensitivity ? { sensitivity } : {}),
    ...(search
      ? { search: { ratio: search.ratio, predictedDelta: search.predictedDelta, moves: search.moves } }
      : {}),
    size: {
      fp32Bytes: sum((b) => b.fp32),
      valueBytes: sum((b) => b.values),
      metadataBytes: sum((b) => b.metadata),
      scaleBytes: sum((b) => b.scales),
      compressedBytes: sum((b) => b.values + b.metadata + b.scales),
      ratio: nxmRatio(bytes),
    },
    train: {
      admmSteps,
      finetuneSteps,
      ...(trained.residual === undefined ? {} : { residual: trained.residual }),
      ...(trained.finetune ? { validation: trained.finetune.final } : {}),
    },
    fp32,
    compressed,
    accuracyRetained: compressed.accuracy / fp32.accuracy,
    logits: { ...compare.result(), rows: limit },
    latency: {
      batch: latencyBatch,
      seqLen: data.seqLen,
      reps,
      ...lat,
      ratio: lat.compressedMs / lat.fp32Ms,
    },
    elapsedS: (performance.now() - start) / 1000,
  };
  await writeFileAtomic(join(o.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await saveCompressedCheckpoint(
    o.out,
    model,
    { method: 'nxm', layers: [], sparse: packed.map((p) => p.layer.layout(p.path)) },
    {
      config: model.config,
      sourceDir: o.checkpoint,
      record: { source: { checkpoint: o.checkpoint, step: teacher.state.step, run }, report },
    },
  );
  teacher.model.dispose();
  model.dispose();
  return report;
}

/**
 * Rewrites, in place, an `out` directory from before NxM runs saved a compressed checkpoint (its
 * model.safetensors has format "frugal-nxm" and only the assignment) into one `frugal eval` loads:
 * the same tensors with each packed layer's layout, plus config.json, tokenizer.json and
 * compress.json from the source run named in report.json (which gains size.compressedBytes).
 * Nothing is retrained.
 */
export async function resaveNxmRun(dir: string): Promise<void> {
  const op = 'resaveNxmRun';
  const read = parseJson(await readCheckpointFile(dir, 'report.json'), join(dir, 'report.json')) as NxmReport;
  // Older reports predate size.compressedBytes, which `frugal compress report` reads.
  const { valueBytes, metadataBytes, scaleBytes } = read.size;
  const report: NxmReport = {
    ...read,
    size: { ...read.size, compressedBytes: valueBytes + metadataBytes + scaleBytes },
  };
  const file = join(dir, 'model.safetensors');
  await readCheckpointFile(dir, 'model.safetensors');
  const { tensors, metadata } = await readSafetensors(file);
  const source = await loadCheckpointModel(report.checkpoint);
  try {
    if (metadata.format !== 'frugal-nxm' || typeof metadata.assignment !== 'string') {
      throw new FrugalError(
        'E_IO',
        `${file} is not a pre-checkpoint NxM run (metadata format ${String(metadata.format)})`,
        {
          op,
          file,
          hint: 'only directories written by the first `frugal compress --method nxm` need re-saving',
        },
      );
    }
    const linears = new Map(
      findLayers(source.model, (m): m is Linear => m instanceof Linear).map((s) => [s.path, s.layer]),
    );
    const sparse = (JSON.parse(metadata.assignment) as { path: string; spec: string }[]).map(
      ({ path, spec }): SparseLayout => {
        const l = linears.get(path);
        if (!l) {
          throw new FrugalError(
            'E_IO',
            `the assignment names ${path}, which ${report.checkpoint} has no Linear at`,
            {
              op,
              file,
              field: path,
              hint: 'report.json names the wrong source checkpoint',
            },
          );
        }
        return { path, inFeatures: l.inFeatures, outFeatures: l.outFeatures, spec };
      },
    );
    applySparseLayout(source.model, sparse, file);
    source.model.loadStateDict(tensors);
    await saveCompressedCheckpoint(
      dir,
      source.model,
      { method: 'nxm', layers: [], sparse },
      {
        config: source.model.config,
        sourceDir: report.checkpoint,
        record: {
          source: { checkpoint: report.checkpoint, step: source.state.step, run: source.run },
          report,
        },
      },
    );
    await writeFileAtomic(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
    source.model.dispose();
  }
}
