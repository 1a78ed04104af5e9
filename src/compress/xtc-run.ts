/**
 * `frugal compress --method xtc` (XTC: extreme compression of a BERT classifier): a shallower
 * student is built from chosen teacher layers, every Linear but the classifier and the word and
 * position embeddings are trained ternary (or binary) with INT8 activations by single-stage
 * distillation from the f32 teacher (logits, hidden states, attention), then packed. The result is
 * measured against the teacher on the test split and written as a compressed checkpoint.
 */
import { join } from 'node:path';
import { noGrad } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { median } from '../core/timing.js';
import { padBatch } from '../data/batching.js';
import { BertForSequenceClassification } from '../models/bert.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadCheckpointModel } from '../train/run.js';
import { type ClassifyData, evaluateClassifier, prepareClassifyData } from '../train/tasks/classify.js';
import { type EvalRecord, Trainer } from '../train/trainer.js';
import { saveCompressedCheckpoint } from './checkpoint.js';
import { distillClassifyTask } from './distill.js';
import { everyOtherLayer, reduceLayers } from './layer-reduction.js';
import {
  type CompressedSize,
  type LatencyComparison,
  LogitComparison,
  type LogitStats,
  stateBytes,
} from './measure.js';
import { f32Data } from './tensor-data.js';
import { type XtcConfig, type XtcSettings, xtcSettings } from './xtc-config.js';
import { finalizeQat, prepareQat, type QatLayouts } from './xtc-qat.js';

export interface XtcRunOptions {
  checkpoint: string;
  out: string;
  config: XtcConfig;
  /** Continue the distillation checkpoint in <out>/distill instead of starting afresh. */
  resume?: boolean;
  /** Progress bar while distilling (default true). */
  progress?: boolean;
  onProgress?: (message: string) => void;
}

export interface XtcReport {
  method: 'xtc';
  checkpoint: string;
  out: string;
  task: 'classify';
  settings: XtcSettings;
  keepLayers: number[];
  size: CompressedSize & {
    embeddingFp32Bytes: number;
    embeddingBytes: number;
    /** Everything else in the compressed state dict (norms, token-type table, classifier), f32. */
    otherBytes: number;
  };
  fp32: Record<string, number>;
  compressed: Record<string, number>;
  logits: LogitStats & { rows: number };
  latency: LatencyComparison;
  training: { steps: number; elapsedS: number; evals: EvalRecord[] };
  layers: QatLayouts['layers'];
  embeddings: QatLayouts['embeddings'];
}

/** Distills a teacher checkpoint into the student described by `o.config`; writes `o.out`. */
export async function runXtc(o: XtcRunOptions): Promise<XtcReport> {
  const say = o.onProgress ?? (() => undefined);
  const s = xtcSettings(o.config);
  const teacher = await loadCheckpointModel(o.checkpoint);
  const { run } = teacher;
  if (!(teacher.model instanceof BertForSequenceClassification)) {
    throw new FrugalError(
      'E_CONFIG',
      `--method xtc compresses BERT classifiers; ${o.checkpoint} holds a ${run.model}`,
      {
        op: 'frugal compress',
        file: o.checkpoint,
        field: 'method',
        hint: 'use --method zeroquant for language models',
      },
    );
  }
  const t = teacher.model;
  const keep = s.keepLayers ?? everyOtherLayer(t.config.layers);
  say(`data: classify split ${run.splitSeed}, seq ${run.seqLen}`);
  const data = prepareClassifyData(teacher.dataOptions);
  const student = reduceLayers(t, keep);
  prepareQat(student, {
    bits: s.bits,
    ...(s.groupSize === undefined ? {} : { groupSize: s.groupSize }),
    embeddings: s.embeddings,
  });
  say(
    `student: teacher layers [${keep}] of ${t.config.layers}, ${s.bits === 2 ? 'ternary' : 'binary'} weights, INT8 activations; ${s.steps} distillation steps`,
  );
  const trainer = new Trainer({
    model: student,
    task: distillClassifyTask(t, data, { batch: s.batch, seed: s.seed, map: keep, weights: s.weights }),
    seed: s.seed,
    steps: s.steps,
    lr: s.lr,
    warmupSteps: s.warmupSteps,
    weightDecay: 0,
    out: join(o.out, 'distill'),
    resume: o.resume ?? false,
    run: { method: 'xtc', checkpoint: o.checkpoint, settings: s, keepLayers: keep },
    progress: o.progress ?? true,
    ...(s.evalEvery === undefined ? {} : { evalEvery: s.evalEvery }),
  });
  const fit = await trainer.fit();
  const layouts = finalizeQat(student);
  student.eval();
  say('measuring on the test split');
  const split = s.eval.limit === undefined ? data.test : sliceSplit(data.test, s.eval.limit);
  const logits = compareLogits(t, student, data, split);
  const fp32 = noGrad(() => evaluateClassifier(t, data, split));
  const compressed = noGrad(() => evaluateClassifier(student, data, split));
  const latency = timeInterleaved(t, student, data, s.eval.latencyBatch);
  const fp32Bytes = stateBytes(Object.values(t.stateDict()));
  const compressedBytes = stateBytes(Object.values(student.stateDict()));
  const sum = (xs: { bytesBefore: number; bytesAfter: number }[], k: 'bytesBefore' | 'bytesAfter') =>
    xs.reduce((n, x) => n + x[k], 0);
  const linearBytes = sum(layouts.layers, 'bytesAfter');
  const embeddingBytes = sum(layouts.embeddings, 'bytesAfter');
  const report: XtcReport = {
    method: 'xtc',
    checkpoint: o.checkpoint,
    out: o.out,
    task: 'classify',
    settings: s,
    keepLayers: keep,
    size: {
      fp32Bytes,
      compressedBytes,
      ratio: fp32Bytes / compressedBytes,
      linearFp32Bytes: sum(layouts.layers, 'bytesBefore'),
      linearBytes,
      embeddingFp32Bytes: sum(layouts.embeddings, 'bytesBefore'),
      embeddingBytes,
      otherBytes: compressedBytes - linearBytes - embeddingBytes,
    },
    fp32: { ...fp32 },
    compressed: { ...compressed },
    logits,
    latency,
    training: { steps: fit.step, elapsedS: fit.elapsedS, evals: fit.evals },
    layers: layouts.layers,
    embeddings: layouts.embeddings,
  };
  const strip = <T extends { bytesBefore: number; bytesAfter: number }>({
    bytesBefore: _b,
    bytesAfter: _a,
    ...l
  }: T) => l;
  await saveCompressedCheckpoint(
    o.out,
    student,
    { method: 'xtc', layers: layouts.layers.map(strip), embeddings: layouts.embeddings.map(strip) },
    {
      config: student.config,
      sourceDir: o.checkpoint,
      record: { source: { checkpoint: o.checkpoint, step: teacher.state.step, run }, report },
    },
  );
  t.dispose();
  student.dispose();
  return report;
}

function sliceSplit(split: ClassifyData['test'], n: number): ClassifyData['test'] {
  return { docs: split.docs.slice(0, n), labels: split.labels.slice(0, n) };
}

function batchOf(data: ClassifyData, docs: readonly number[][]): { ids: Tensor; mask: Tensor } {
  const p = padBatch(docs, { padId: data.padId, length: data.seqLen, truncate: true });
  return { ids: tensor(p.ids, { shape: p.shape }), mask: tensor(p.attentionMask, { shape: p.shape }) };
}

const EVAL_BATCH = 32;

function compareLogits(
  teacher: BertForSequenceClassification,
  student: BertForSequenceClassification,
  data: ClassifyData,
  split: ClassifyData['test'],
): LogitStats & { rows: number } {
  const compare = new LogitComparison();
  noGrad(() => {
    for (let i = 0; i < split.docs.length; i += EVAL_BATCH) {
      tidy(() => {
        const { ids, mask } = batchOf(data, split.docs.slice(i, i + EVAL_BATCH));
        const ref = teacher.forward(ids, mask).value;
        compare.add(f32Data(ref), f32Data(student.forward(ids, mask).value), ref.shape[1]!);
      });
    }
  });
  return { ...compare.result(), rows: split.docs.length };
}

const LATENCY_REPS = 7;

/** Median forward time of both models on one batch, teacher and student alternating (shared machine). */
function timeInterleaved(
  teacher: BertForSequenceClassification,
  student: BertForSequenceClassification,
  data: ClassifyData,
  batch: number,
): XtcReport['latency'] {
  const docs = Array.from({ length: batch }, (_, i) => data.test.docs[i % data.test.docs.length]!);
  const times: [number[], number[]] = [[], []];
  noGrad(() =>
    tidy(() => {
      const { ids, mask } = batchOf(data, docs);
      const models = [teacher, student];
      for (let r = 0; r <= LATENCY_REPS; r++) {
        models.forEach((m, k) => {
          const t0 = performance.now();
          tidy(() => m.forward(ids, mask));
          // The first round warms both up.
          if (r > 0) times[k]!.push(performance.now() - t0);
        });
      }
    }),
  );
  const [fp32Ms, compressedMs] = times.map(median) as [number, number];
  return { batch, seqLen: data.seqLen, fp32Ms, compressedMs, ratio: compressedMs / fp32Ms };
}
