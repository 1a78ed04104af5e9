import { join } from 'node:path';
import { noGrad } from '../autograd/variable.js';
import { backendStatus } from '../backend/registry.js';
import { getNumThreads } from '../backend/threads.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError } from '../core/errors.js';
import type { BpeTokenizer } from '../data/bpe-tokenizer.js';
import { fromTokenizerJson, toTokenizerJson } from '../data/tokenizer-json.js';
import { BertForSequenceClassification } from '../models/bert.js';
import { BertForMaskedLM, isBertEncoderKey } from '../models/bert-mlm.js';
import { type ModelConfig, resolveConfig } from '../models/config.js';
import { createModel } from '../models/create.js';
import { LlamaForCausalLM } from '../models/llama.js';
import type { Module } from '../nn/module.js';
import { fitBaseline } from './baseline.js';
import {
  CHECKPOINT_FILES,
  loadModelWeights,
  parseJson,
  readCheckpointFile,
  readTrainerState,
} from './checkpoint.js';
import { writeLossPlot } from './loss-plot.js';
import { binaryMetrics } from './metrics.js';
import {
  type ClassifyDataOptions,
  classifyTask,
  evaluateClassifier,
  prepareClassifyData,
} from './tasks/classify.js';
import { evaluateLm, lmTask, prepareLmData } from './tasks/lm.js';
import type { MessageView } from './tasks/message-view.js';
import { evaluateMlm, mlmTask, prepareMlmData } from './tasks/mlm.js';
import { BEST_DIR, METRICS_FILE, Trainer, type TrainerOptions, type TrainResult } from './trainer.js';

export type TaskName = 'classify' | 'lm' | 'mlm';

export interface TrainRunOptions {
  task: TaskName;
  /** A preset name (bert-mini, llama-tiny, ...) or a path to a config JSON. */
  model: string;
  out: string;
  steps?: number;
  minutes?: number;
  batch: number;
  seqLen: number;
  lr: number;
  warmup: number;
  seed: number;
  vocabSize: number;
  evalEvery?: number;
  accumulate?: number;
  weightDecay?: number;
  /** Use only the first `limit` training items (for quick runs and tests). */
  limit?: number;
  /** classify, mlm: which part of each message the window covers (default `subject-body`). */
  input?: MessageView;
  /** classify: score the test split with the best-validation weights (default) or the last ones. */
  select?: 'best' | 'last';
  /** classify: what the classifier reads, the [CLS] state (default) or the mean over the tokens. */
  pooling?: 'cls' | 'mean';
  /** classify: probability of hiding each training token from the model (default 0). */
  tokenDropout?: number;
  /** mlm: windows taken from each training message, consecutive from its start (default 1). */
  mlmWindows?: number;
  /**
   * Start from the weights (and tokenizer) of this checkpoint directory instead of a random
   * initialization, with a fresh optimizer and schedule: a second fine-tuning stage. A classifier
   * started from an mlm checkpoint takes its encoder and keeps its own fresh pooler and classifier.
   */
  init?: string;
  /** LM validation uses the first this many blocks of the validation split. */
  evalBlocks?: number;
  resume?: boolean;
  progress?: boolean;
}

export const RESULT_FILE = 'result.json';
/** Ctrl-C and kill: the run checkpoints its current step and returns a `stopped` record instead of scores. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
export const LOSS_PLOT_FILE = 'loss.svg';

/** The data fields of a run, stored in trainer-state.json so that eval and resume rebuild the same data. */
interface RunRecord {
  task: TaskName;
  model: string;
  splitSeed: number;
  seqLen: number;
  vocabSize: number;
  batch: number;
  lr: number;
  warmup: number;
  accumulate: number;
  limit?: number;
  evalBlocks?: number;
  /** classify: absent in runs recorded before the option existed, which read the raw message. */
  input?: MessageView;
  init?: string;
  /** classify: the --pooling flag when one was given (the model config's own pooling otherwise). */
  pooling?: 'cls' | 'mean';
  /** classify: present when tokens were dropped. */
  tokenDropout?: number;
  /** mlm: present when more than the first window of each training message was used. */
  mlmWindows?: number;
}

/**
 * `frugal train`: data, tokenizer, model, Trainer, then the test-split scores; for classify also the
 * bag-of-words baseline on the same split and tokens, for lm the loss-vs-time plot. Writes
 * result.json into the output directory and returns it.
 */
export async function runTraining(o: TrainRunOptions): Promise<Record<string, unknown>> {
  const record: RunRecord = {
    task: o.task,
    model: o.model,
    splitSeed: 0,
    seqLen: o.seqLen,
    vocabSize: o.vocabSize,
    batch: o.batch,
    lr: o.lr,
    warmup: o.warmup,
    accumulate: o.accumulate ?? 1,
    ...(o.limit === undefined ? {} : { limit: o.limit }),
    ...(o.evalBlocks === undefined ? {} : { evalBlocks: o.evalBlocks }),
    ...(o.task === 'lm' ? {} : { input: o.input ?? 'subject-body' }),
    ...(o.init === undefined ? {} : { init: o.init }),
    ...(o.task === 'classify' && o.pooling !== undefined ? { pooling: o.pooling } : {}),
    ...(o.task === 'classify' && o.tokenDropout ? { tokenDropout: o.tokenDropout } : {}),
    ...(o.task === 'mlm' && (o.mlmWindows ?? 1) > 1 ? { mlmWindows: o.mlmWindows } : {}),
  };
  const tokenizerDir = o.resume ? o.out : o.init;
  const savedTokenizer = tokenizerDir === undefined ? undefined : await loadTokenizer(tokenizerDir);
  if (o.resume) checkSameRun(record, (await readTrainerState(o.out)).run, o.out);
  const common = {
    out: o.out,
    seed: o.seed,
    lr: o.lr,
    warmupSteps: o.warmup,
    accumulate: record.accumulate,
    run: { ...record },
    ...(o.steps === undefined ? {} : { steps: o.steps }),
    ...(o.minutes === undefined ? {} : { minutes: o.minutes }),
    ...(o.evalEvery === undefined ? {} : { evalEvery: o.evalEvery }),
    ...(o.weightDecay === undefined ? {} : { weightDecay: o.weightDecay }),
    ...(o.resume ? { resume: true } : {}),
    ...(o.progress === undefined ? {} : { progress: o.progress }),
    stopSignals: STOP_SIGNALS,
  };
  const dataOpts = {
    seqLen: o.seqLen,
    vocabSize: o.vocabSize,
    ...(o.limit === undefined ? {} : { limit: o.limit }),
    ...(savedTokenizer ? { tokenizer: savedTokenizer } : {}),
    ...(record.input === undefined ? {} : { view: record.input }),
  };
  const threads = getNumThreads();
  if (o.task === 'mlm')
    return runMlm(o, common, { ...dataOpts, trainWindows: record.mlmWindows ?? 1 }, threads);
  if (o.task === 'classify') {
    const data = prepareClassifyData(dataOpts);
    const config = modelConfig(o.model, 'bert', data.tokenizer, o.seqLen, o.pooling);
    const model = createModel(config, { seed: o.seed });
    if (!(model instanceof BertForSequenceClassification)) throw wrongArch(o.model, 'classify', 'bert');
    if (o.init !== undefined && !o.resume) await loadWeightsFrom(model, o.init);
    const trainer = new Trainer({
      ...common,
      model,
      task: classifyTask(data, {
        batch: o.batch,
        seed: o.seed,
        accumulate: record.accumulate,
        tokenDropout: record.tokenDropout ?? 0,
      }),
      extras: extras(config, data.tokenizer),
    });
    const fit = await trainer.fit();
    if (fit.stopped) return stoppedRun(o, fit);
    const chosen = o.select === 'last' || fit.best === undefined ? fit.evals.at(-1) : fit.best;
    if (chosen !== undefined && chosen.step !== fit.step) await loadWeightsFrom(model, join(o.out, BEST_DIR));
    const test = noGrad(() => evaluateClassifier(model.eval(), data, data.test));
    const t0 = performance.now();
    const base = fitBaseline(data.train, data.validation, data.tokenizer.vocabSize);
    const baselineS = (performance.now() - t0) / 1000;
    const result = {
      ...summary(o, fit, model.parameterCount(), threads),
      input: record.input,
      ...(o.init === undefined ? {} : { init: o.init }),
      ...(chosen === undefined
        ? {}
        : {
            selected: {
              by: o.select === 'last' ? 'last step' : 'validation accuracy, then validation loss',
              step: chosen.step,
              validation: round(chosen.metrics),
            },
          }),
      test: round(test),
      baseline: {
        method:
          'bag-of-words logistic regression (sublinear tf-idf over the same tokens, L2 picked on validation F1)',
        l2: base.l2,
        fitSeconds: Number(baselineS.toFixed(2)),
        validation: round(base.validation),
        test: round(binaryMetrics(base.model.predict(data.test.docs), data.test.labels)),
      },
    };
    await writeFileAtomic(join(o.out, RESULT_FILE), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  }
  const data = prepareLmData(dataOpts);
  const config = modelConfig(o.model, 'llama', data.tokenizer, o.seqLen);
  const model = createModel(config, { seed: o.seed });
  if (!(model instanceof LlamaForCausalLM)) throw wrongArch(o.model, 'lm', 'llama');
  if (o.init !== undefined && !o.resume) await loadWeightsFrom(model, o.init);
  const trainer = new Trainer({
    ...common,
    model,
    task: lmTask(data, {
      batch: o.batch,
      seed: o.seed,
      accumulate: record.accumulate,
      ...(o.evalBlocks === undefined ? {} : { evalBlocks: o.evalBlocks }),
    }),
    extras: extras(config, data.tokenizer),
  });
  const fit = await trainer.fit();
  if (fit.stopped) return stoppedRun(o, fit);
  const testLoss = noGrad(() => evaluateLm(model.eval(), data.test, o.evalBlocks));
  await writeLossPlot(
    join(o.out, METRICS_FILE),
    join(o.out, LOSS_PLOT_FILE),
    `${o.model} on the Python standard library (seq ${o.seqLen}, batch ${o.batch})`,
  );
  const result = {
    ...summary(o, fit, model.parameterCount(), threads),
    test: { loss: round4(testLoss), perplexity: round4(Math.exp(testLoss)) },
  };
  await writeFileAtomic(join(o.out, RESULT_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

type CommonTrainerOptions = Omit<TrainerOptions<Module>, 'model' | 'task'>;

/** `frugal train --task mlm`: MLM pretraining of a BERT encoder on the classify messages, scored on test. */
async function runMlm(
  o: TrainRunOptions,
  common: CommonTrainerOptions,
  dataOpts: ClassifyDataOptions,
  threads: number,
): Promise<Record<string, unknown>> {
  const data = prepareMlmData(dataOpts);
  const config = modelConfig(o.model, 'bert', data.tokenizer, o.seqLen);
  if (config.arch !== 'bert') throw wrongArch(o.model, 'mlm', 'bert');
  const model = new BertForMaskedLM(config, { seed: o.seed });
  if (o.init !== undefined && !o.resume) await loadWeightsFrom(model, o.init);
  const trainer = new Trainer({
    ...common,
    model,
    task: mlmTask(data, { batch: o.batch, seed: o.seed, accumulate: common.accumulate ?? 1 }),
    extras: extras(config, data.tokenizer),
  });
  const fit = await trainer.fit();
  if (fit.stopped) return stoppedRun(o, fit);
  const test = noGrad(() => evaluateMlm(model.eval(), data, data.test.docs));
  await writeLossPlot(
    join(o.out, METRICS_FILE),
    join(o.out, LOSS_PLOT_FILE),
    `${o.model} MLM on SpamAssassin ${o.input ?? 'subject-body'} (seq ${o.seqLen}, batch ${o.batch})`,
  );
  const result = {
    ...summary(o, fit, model.parameterCount(), threads),
    input: o.input ?? 'subject-body',
    mlmWindows: o.mlmWindows ?? 1,
    trainWindows: data.train.docs.length,
    ...(o.init === undefined ? {} : { init: o.init }),
    ...(fit.best === undefined ? {} : { best: { step: fit.best.step, validation: round(fit.best.metrics) } }),
    test: round(test),
  };
  await writeFileAtomic(join(o.out, RESULT_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Loads a checkpoint's config, tokenizer and weights, and the run record it was trained with. */
export async function loadCheckpointModel(dir: string) {
  const state = await readTrainerState(dir);
  const run = state.run as unknown as RunRecord;
  const config = resolveConfig(
    parseJson(
      await readCheckpointFile(dir, CHECKPOINT_FILES.config),
      join(dir, CHECKPOINT_FILES.config),
    ) as Partial<ModelConfig>,
  );
  const tokenizer = await loadTokenizer(dir);
  const model =
    run.task === 'mlm' && config.arch === 'bert' ? new BertForMaskedLM(config) : createModel(config);
  const weights = await loadModelWeights(dir, state);
  try {
    model.loadStateDict(weights);
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
  model.eval();
  return { model, tokenizer, run, state, dataOptions: checkpointDataOptions(run, tokenizer) };
}

/**
 * The data options that rebuild a checkpoint's splits exactly as it was trained on (same split,
 * tokenizer, window and message view): pass them to prepareClassifyData / prepareLmData.
 */
export function checkpointDataOptions(run: RunRecord, tokenizer: BpeTokenizer) {
  return {
    seqLen: run.seqLen,
    vocabSize: run.vocabSize,
    splitSeed: run.splitSeed,
    tokenizer,
    ...(run.limit === undefined ? {} : { limit: run.limit }),
    ...(run.input === undefined ? {} : { view: run.input }),
  };
}

/** `frugal eval`: scores a checkpoint on its run's validation or test split. */
export async function evaluateCheckpoint(
  dir: string,
  split: 'validation' | 'test',
): Promise<Record<string, unknown>> {
  const { model, run, state, dataOptions: dataOpts } = await loadCheckpointModel(dir);
  const head = { checkpoint: dir, task: run.task, step: state.step, split };
  if (run.task === 'mlm') {
    if (!(model instanceof BertForMaskedLM)) throw wrongArch(run.model, 'mlm', 'bert');
    const data = prepareMlmData(dataOpts);
    return { ...head, ...round(noGrad(() => evaluateMlm(model, data, data[split].docs))) };
  }
  if (run.task === 'classify') {
    if (!(model instanceof BertForSequenceClassification)) throw wrongArch(run.model, 'classify', 'bert');
    const data = prepareClassifyData(dataOpts);
    return { ...head, ...round(noGrad(() => evaluateClassifier(model, data, data[split]))) };
  }
  if (!(model instanceof LlamaForCausalLM)) throw wrongArch(run.model, 'lm', 'llama');
  const data = prepareLmData(dataOpts);
  const loss = noGrad(() => evaluateLm(model, data[split], run.evalBlocks));
  return { ...head, loss: round4(loss), perplexity: round4(Math.exp(loss)) };
}

/** What a run stopped by a signal returns: where it stopped, and no scores (result.json is not written). */
function stoppedRun(o: TrainRunOptions, fit: TrainResult): Record<string, unknown> {
  return {
    task: o.task,
    model: o.model,
    out: o.out,
    stopped: fit.stopped,
    steps: fit.step,
    elapsedS: Number(fit.elapsedS.toFixed(1)),
  };
}

/**
 * Puts the weights of a checkpoint (or of the best/ snapshot) into the model. A classifier reading
 * an mlm checkpoint takes only the encoder, and every encoder parameter must be there.
 */
export async function loadWeightsFrom(model: Module, dir: string): Promise<void> {
  const state = await readTrainerState(dir);
  const weights = await loadModelWeights(dir, state);
  const encoderOnly = state.run.task === 'mlm' && !(model instanceof BertForMaskedLM);
  try {
    if (encoderOnly) {
      const encoder = Object.entries(weights).filter(([k]) => isBertEncoderKey(k));
      const missing = model.namedParameters().find(([k]) => isBertEncoderKey(k) && !(k in weights));
      if (missing !== undefined)
        throw new FrugalError('E_NOT_FOUND', `the mlm checkpoint has no ${missing[0]}`, {
          op: 'loadWeightsFrom',
          field: missing[0],
        });
      model.loadStateDict(Object.fromEntries(encoder), { strict: false });
    } else model.loadStateDict(weights);
  } catch (e) {
    throw new FrugalError('E_CONFIG', `the weights in ${dir} do not fit the model being trained`, {
      op: 'frugal train',
      file: dir,
      field: 'init',
      hint: '--init needs a checkpoint of the same --model (its config.json names it)',
      cause: e,
    });
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
}

async function loadTokenizer(dir: string): Promise<BpeTokenizer> {
  const file = join(dir, CHECKPOINT_FILES.tokenizer);
  return fromTokenizerJson(parseJson(await readCheckpointFile(dir, CHECKPOINT_FILES.tokenizer), file), file);
}

function modelConfig(
  spec: string,
  arch: 'bert' | 'llama',
  tokenizer: BpeTokenizer,
  seqLen: number,
  pooling?: 'cls' | 'mean',
): ModelConfig {
  const base = resolveConfig(spec);
  if (base.arch !== arch) throw wrongArch(spec, arch === 'bert' ? 'classify' : 'lm', arch);
  const overrides: Record<string, unknown> = { vocabSize: tokenizer.vocabSize };
  if (arch === 'bert') overrides.numLabels = 2;
  if (pooling !== undefined) overrides.pooling = pooling;
  const config = resolveConfig(spec, overrides);
  if ('maxPositions' in config && config.maxPositions < seqLen)
    throw new FrugalError(
      'E_CONFIG',
      `--seq-len ${seqLen} exceeds the model's maxPositions ${config.maxPositions}`,
      {
        op: 'frugal train',
        field: 'maxPositions',
        hint: 'lower --seq-len or use a config with more positions',
      },
    );
  return config;
}

function extras(config: ModelConfig, tokenizer: BpeTokenizer): Record<string, string> {
  return {
    [CHECKPOINT_FILES.config]: `${JSON.stringify(config, null, 2)}\n`,
    [CHECKPOINT_FILES.tokenizer]: JSON.stringify(toTokenizerJson(tokenizer)),
  };
}

function checkSameRun(now: RunRecord, saved: Record<string, unknown>, dir: string): void {
  for (const key of [
    'task',
    'model',
    'seqLen',
    'vocabSize',
    'batch',
    'lr',
    'warmup',
    'accumulate',
    'limit',
    'input',
    'init',
    'pooling',
    'tokenDropout',
    'mlmWindows',
  ] as const)
    if ((saved[key] ?? legacyDefault(now, key)) !== now[key])
      throw new FrugalError(
        'E_CONFIG',
        `the checkpoint was trained with ${key} ${String(saved[key])}, not ${String(now[key])}`,
        {
          op: 'frugal train --resume',
          file: dir,
          field: key,
          hint: 'resume with the options of the original run',
        },
      );
}

/** What a field absent from an older run's record meant then. */
function legacyDefault(run: RunRecord, key: keyof RunRecord): unknown {
  return key === 'input' && run.task === 'classify' ? 'raw' : undefined;
}

function wrongArch(model: string, task: TaskName, arch: string): FrugalError {
  return new FrugalError('E_CONFIG', `task ${task} needs a ${arch} model, and ${model} is not one`, {
    op: 'frugal train',
    field: 'model',
    hint: task === 'lm' ? 'use --model llama-tiny' : 'use --model bert-mini (or another bert config)',
  });
}

function summary(o: TrainRunOptions, fit: TrainResult, params: number, threads: number) {
  return {
    task: o.task,
    model: o.model,
    parameters: params,
    seed: o.seed,
    threads,
    backends: backendStatus(),
    batch: o.batch,
    seqLen: o.seqLen,
    lr: o.lr,
    steps: fit.step,
    elapsedS: Number(fit.elapsedS.toFixed(1)),
    tokensSeen: fit.tokensSeen,
    tokensPerS: Math.round(fit.tokensSeen / fit.elapsedS),
    validation: Object.fromEntries(Object.entries(fit.final).map(([k, v]) => [k, round4(v)])),
    evals: fit.evals.length,
  };
}

function round4(x: number): number {
  return Number(x.toFixed(4));
}

function round(m: object): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round4(v as number)]));
}
