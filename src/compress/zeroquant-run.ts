/**
 * `frugal compress --method zeroquant`: load a `frugal train` checkpoint, quantize a copy (PTQ,
 * or with LKD when configured) using unlabelled calibration batches from the run's validation
 * split, measure it against the f32 model on the test split (task metrics, logit cosine / KL /
 * agreement, size, forward latency), and write a compressed checkpoint plus the report.
 */
import { noGrad } from '../autograd/variable.js';
import { timeMedian } from '../core/timing.js';
import { padBatch } from '../data/batching.js';
import { BertForSequenceClassification } from '../models/bert.js';
import { LlamaForCausalLM } from '../models/llama.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/creation.js';
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadCheckpointModel } from '../train/run.js';
import { type ClassifyData, evaluateClassifier, prepareClassifyData } from '../train/tasks/classify.js';
import { evaluateLm, type LmData, prepareLmData } from '../train/tasks/lm.js';
import { saveCompressedCheckpoint } from './checkpoint.js';
import { quantizeOptionsOf, type ZeroQuantConfig } from './config.js';
import { distillQuantize, type LkdLayerResult } from './lkd.js';
import {
  type CompressedSize,
  type LatencyComparison,
  LogitComparison,
  type LogitStats,
  stateBytes,
} from './measure.js';
import { type QuantizeReport, quantizeModel } from './quantize-model.js';
import { f32Data } from './tensor-data.js';

export interface ZeroQuantRunOptions {
  checkpoint: string;
  out: string;
  config: ZeroQuantConfig;
  onProgress?: (message: string) => void;
}

export interface ZeroQuantReport {
  method: 'zeroquant';
  checkpoint: string;
  out: string;
  task: string;
  config: ZeroQuantConfig;
  size: CompressedSize;
  /** Task metrics on the test split (classify: accuracy, F1, loss; lm: loss, perplexity). */
  fp32: Record<string, number>;
  compressed: Record<string, number>;
  logits: LogitStats & { rows: number };
  latency: LatencyComparison;
  layers: QuantizeReport['layers'];
  lkd?: LkdLayerResult[];
}

interface Batch {
  ids: Tensor;
  mask?: Tensor;
}

type Forward = (m: Module, b: Batch) => Tensor;

interface TaskIo {
  calibration: Batch[];
  evalBatches: Batch[];
  latency: Batch;
  /** Logits [rows, classes] of one batch (BERT: [B, labels]; Llama: [B·T, vocab]). */
  logits: Forward;
  metrics: (m: Module) => Record<string, number>;
}

function classifyBatch(data: ClassifyData, docs: readonly number[][]): Batch {
  const p = padBatch(docs, { padId: data.padId, length: data.seqLen, truncate: true });
  return {
    ids: keep(tensor(p.ids, { shape: p.shape })),
    mask: keep(tensor(p.attentionMask, { shape: p.shape })),
  };
}

function chunks<T>(items: readonly T[], size: number, limit: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < Math.min(items.length, limit); i += size)
    out.push(items.slice(i, Math.min(i + size, limit)));
  return out;
}

function classifyIo(data: ClassifyData, c: ZeroQuantConfig): TaskIo {
  const batchSize = c.calibration?.batchSize ?? 8;
  const calibDocs = data.validation.docs.slice(0, (c.calibration?.batches ?? 4) * batchSize);
  const limit = c.eval?.limit ?? data.test.docs.length;
  const asBert = (m: Module) => m as BertForSequenceClassification;
  return {
    calibration: chunks(calibDocs, batchSize, calibDocs.length).map((d) => classifyBatch(data, d)),
    evalBatches: chunks(data.test.docs, 32, limit).map((d) => classifyBatch(data, d)),
    latency: classifyBatch(
      data,
      Array.from({ length: c.eval?.latencyBatch ?? 8 }, (_, i) => data.test.docs[i % data.test.docs.length]!),
    ),
    logits: (m, b) => asBert(m).forward(b.ids, b.mask).value,
    metrics: (m) => {
      const split = limit >= data.test.docs.length ? data.test : sliceSplit(data.test, limit);
      return { ...evaluateClassifier(asBert(m), data, split) };
    },
  };
}

function sliceSplit(split: ClassifyData['test'], n: number): ClassifyData['test'] {
  return { docs: split.docs.slice(0, n), labels: split.labels.slice(0, n) };
}

function lmBatch(blocks: LmData['test'], rows: readonly number[], seqLen: number): Batch {
  const ids = new Int32Array(rows.length * seqLen);
  const width = blocks.shape[1];
  for (const [i, r] of rows.entries())
    ids.set(blocks.ids.subarray(r * width, r * width + seqLen), i * seqLen);
  return { ids: keep(tensor(ids, { shape: [rows.length, seqLen] })) };
}

function lmIo(data: LmData, c: ZeroQuantConfig, evalBlocks: number | undefined): TaskIo {
  const batchSize = c.calibration?.batchSize ?? 8;
  const rows = (n: number, total: number) => Array.from({ length: Math.min(n, total) }, (_, i) => i);
  const calib = rows((c.calibration?.batches ?? 4) * batchSize, data.validation.shape[0]);
  const limit = Math.min(c.eval?.limit ?? evalBlocks ?? 64, data.test.shape[0]);
  const asLlama = (m: Module) => m as LlamaForCausalLM;
  return {
    calibration: chunks(calib, batchSize, calib.length).map((r) => lmBatch(data.validation, r, data.seqLen)),
    evalBatches: chunks(rows(limit, limit), 8, limit).map((r) => lmBatch(data.test, r, data.seqLen)),
    latency: lmBatch(data.test, rows(c.eval?.latencyBatch ?? 8, data.test.shape[0]), data.seqLen),
    logits: (m, b) => {
      const v = asLlama(m).forward(b.ids).value;
      return v.view([-1, v.shape[v.shape.length - 1]!]);
    },
    metrics: (m) => {
      const loss = evaluateLm(asLlama(m), data.test, limit);
      return { loss, perplexity: Math.exp(loss) };
    },
  };
}

function linearBytes(report: QuantizeReport): { fp32: number; compressed: number } {
  return {
    fp32: report.layers.reduce((s, l) => s + l.bytesBefore, 0),
    compressed: report.layers.reduce((s, l) => s + l.bytesAfter, 0),
  };
}

export async function runZeroQuant(o: ZeroQuantRunOptions): Promise<ZeroQuantReport> {
  const say = o.onProgress ?? (() => undefined);
  const teacher = await loadCheckpointModel(o.checkpoint);
  const student = await loadCheckpointModel(o.checkpoint);
  const { run, tokenizer } = teacher;
  const dataOpts = {
    seqLen: run.seqLen,
    vocabSize: run.vocabSize,
    splitSeed: run.splitSeed,
    tokenizer,
    ...(run.limit === undefined ? {} : { limit: run.limit }),
  };
  say(`data: ${run.task} split ${run.splitSeed}, seq ${run.seqLen}`);
  const io =
    teacher.model instanceof BertForSequenceClassification
      ? classifyIo(prepareClassifyData(dataOpts), o.config)
      : teacher.model instanceof LlamaForCausalLM
        ? lmIo(prepareLmData(dataOpts), o.config, run.evalBlocks)
        : undefined;
  if (!io) throw new Error('unreachable: checkpoints hold BERT or Llama models');
  const fp32Bytes = stateBytes(Object.values(student.model.stateDict()));
  const qopts = quantizeOptionsOf(o.config);
  const calibrate = (m: Module) => {
    for (const b of io.calibration) tidy(() => io.logits(m, b));
  };
  let report: QuantizeReport;
  let lkd: LkdLayerResult[] | undefined;
  if (o.config.lkd) {
    say('quantizing with layer-by-layer distillation');
    const r = distillQuantize(student.model, {
      ...qopts,
      calibrate,
      ...(o.config.lkd.steps === undefined ? {} : { steps: o.config.lkd.steps }),
      ...(o.config.lkd.lr === undefined ? {} : { lr: o.config.lkd.lr }),
      onLayer: (l) =>
        say(`  ${l.path}: output MSE ${l.mseBefore.toExponential(3)} -> ${l.mseAfter.toExponential(3)}`),
    });
    report = r;
    lkd = r.distill;
  } else {
    say('quantizing (post-training, no distillation)');
    report = quantizeModel(student.model, qopts);
  }
  say('measuring on the test split');
  const compare = new LogitComparison();
  let rows = 0;
  noGrad(() => {
    for (const b of io.evalBatches) {
      tidy(() => {
        const ref = io.logits(teacher.model, b);
        const got = io.logits(student.model, b);
        const classes = ref.shape[1]!;
        compare.add(f32Data(ref), f32Data(got), classes);
        rows += ref.shape[0]!;
      });
    }
  });
  const fp32 = noGrad(() => io.metrics(teacher.model));
  const compressed = noGrad(() => io.metrics(student.model));
  const time = (m: Module) =>
    timeMedian(() => noGrad(() => tidy(() => io.logits(m, io.latency))), { reps: 5, warmup: 1, minMs: 0 });
  const fp32S = await time(teacher.model);
  const compressedS = await time(student.model);
  const compressedBytes = stateBytes(Object.values(student.model.stateDict()));
  const lin = linearBytes(report);
  const result: ZeroQuantReport = {
    method: 'zeroquant',
    checkpoint: o.checkpoint,
    out: o.out,
    task: run.task,
    config: o.config,
    size: {
      fp32Bytes,
      compressedBytes,
      ratio: fp32Bytes / compressedBytes,
      linearFp32Bytes: lin.fp32,
      linearBytes: lin.compressed,
    },
    fp32,
    compressed,
    logits: { ...compare.result(), rows },
    latency: {
      batch: io.latency.ids.shape[0]!,
      seqLen: io.latency.ids.shape[1]!,
      fp32Ms: fp32S * 1000,
      compressedMs: compressedS * 1000,
      ratio: compressedS / fp32S,
    },
    layers: report.layers,
    ...(lkd ? { lkd } : {}),
  };
  await saveCompressedCheckpoint(
    o.out,
    student.model,
    { method: 'zeroquant', layers: report.layers.map(({ bytesBefore: _b, bytesAfter: _a, ...l }) => l) },
    {
      config: student.model.config,
      sourceDir: o.checkpoint,
      record: { source: { checkpoint: o.checkpoint, step: teacher.state.step, run }, report: result },
    },
  );
  for (const b of [...io.calibration, ...io.evalBatches, io.latency]) {
    b.ids.dispose();
    b.mask?.dispose();
  }
  teacher.model.dispose();
  student.model.dispose();
  return result;
}
