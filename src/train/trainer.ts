import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Variable } from '../autograd/variable.js';
import { noGrad } from '../autograd/variable.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FrugalError, isFrugalError } from '../core/errors.js';
import { JsonlLog } from '../core/log.js';
import { startProgress } from '../core/progress.js';
import type { Module } from '../nn/module.js';
import { GradientAccumulation } from '../optim/accumulate.js';
import { AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import type { LrSchedule, Optimizer } from '../optim/optimizer.js';
import { warmupSchedule } from '../optim/schedule.js';
import { tidy } from '../tensor/scope.js';
import {
  CHECKPOINT_FILES,
  loadModelWeights,
  loadOptimizerState,
  readTrainerState,
  saveCheckpoint,
  saveWeights,
  type TrainerState,
} from './checkpoint.js';
import { reseedDropout } from './dropout-seeds.js';
import { StepHorizon } from './horizon.js';

export const METRICS_FILE = 'metrics.jsonl';
/** Subdirectory of the run's output that holds the best-validation weights. */
export const BEST_DIR = 'best';

export interface TrainBatch {
  /** Mean loss over the micro-batch. */
  loss: Variable;
  /** Tokens in the micro-batch (for tokens/s). */
  tokens: number;
}

/** What is trained on: the trainer owns the loop, the task owns the data and the metrics. */
export interface TrainerTask<M extends Module> {
  /** Loss of micro-batch `micro` of optimizer step `step`; the batch must be a pure function of (step, micro). */
  loss(model: M, step: number, micro: number): TrainBatch;
  /** Validation metrics; called in eval mode without gradients. */
  evaluate(model: M): Record<string, number>;
  /** Whether validation `a` beats `b`; a task that defines it gets its best weights kept in out/best/. */
  better?(a: Record<string, number>, b: Record<string, number>): boolean;
}

export interface TrainerOptions<M extends Module> {
  model: M;
  task: TrainerTask<M>;
  seed?: number;
  /** Stop after this many optimizer steps ... */
  steps?: number;
  /** ... or after this many minutes of training (whichever comes first when both are set). */
  minutes?: number;
  /** Peak learning rate (default 1e-3), reached after warmupSteps, then cosine decay to a tenth. */
  lr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  /** Global gradient-norm clip (default 1; 0 turns it off). */
  maxGradNorm?: number;
  /** Micro-batches per optimizer step (default 1). */
  accumulate?: number;
  /** Validate and checkpoint every this many steps (default: only at the end). */
  evalEvery?: number;
  /** Checkpoint directory; metrics.jsonl goes there too. */
  out?: string;
  /** Continue the checkpoint in `out` instead of starting afresh. */
  resume?: boolean;
  /** Stored in trainer-state.json: whatever the caller needs to rebuild the run. */
  run?: Record<string, unknown>;
  /** Files written with every checkpoint (config.json, tokenizer.json). */
  extras?: Record<string, string>;
  makeOptimizer?: (params: Variable[], schedule: LrSchedule, weightDecay: number) => Optimizer;
  /** Show a progress bar on a TTY (default true). */
  progress?: boolean;
  /**
   * On these signals, finish the current step, checkpoint it (without validating) and return with
   * `stopped` set, so that `resume` continues; a second signal ends the process at once.
   */
  stopSignals?: readonly NodeJS.Signals[];
}

export interface EvalRecord {
  step: number;
  elapsedS: number;
  metrics: Record<string, number>;
}

export interface TrainResult {
  step: number;
  elapsedS: number;
  tokensSeen: number;
  /** Train loss of the last step of this session (NaN when no step ran). */
  lastLoss: number;
  evals: EvalRecord[];
  /** The last validation metrics. */
  final: Record<string, number>;
  /** The best validation so far and its step, for tasks that rank evals. */
  best?: EvalRecord;
  /** The signal that stopped the run early (its checkpoint is saved; no final validation ran). */
  stopped?: NodeJS.Signals;
}

/**
 * The training loop: AdamW with linear warmup and cosine decay, gradient accumulation, global-norm
 * clipping, seeded data order and dropout, periodic validation, JSON-lines metrics and atomic,
 * resumable checkpoints. With the same seed and thread count, a run resumed from any checkpoint
 * reaches the same weights, bit for bit, as one that never stopped.
 */
export class Trainer<M extends Module> {
  readonly model: M;
  readonly optimizer: Optimizer;
  private readonly o: TrainerOptions<M>;
  private readonly seed: number;
  private readonly peakLr: number;
  private state: TrainerState;

  constructor(opts: TrainerOptions<M>) {
    validate(opts);
    this.o = opts;
    this.model = opts.model;
    this.seed = opts.seed ?? 0;
    this.peakLr = opts.lr ?? 1e-3;
    this.state = {
      version: 1,
      step: 0,
      seed: this.seed,
      totalSteps: opts.steps ?? 0,
      elapsedS: 0,
      tokensSeen: 0,
      run: opts.run ?? {},
    };
    const schedule: LrSchedule = (s) => this.lrAt(s);
    const wd = opts.weightDecay ?? 0.01;
    this.optimizer = opts.makeOptimizer
      ? opts.makeOptimizer(opts.model.parameters(), schedule, wd)
      : new AdamW(opts.model.parameters(), { lr: 0, weightDecay: wd, schedule });
  }

  /** Runs to --steps or --minutes, validating and checkpointing on the way; returns the last metrics. */
  async fit(): Promise<TrainResult> {
    const { o } = this;
    if (o.out) await this.prepareOut(o.out);
    const log = new JsonlLog(o.out ? join(o.out, METRICS_FILE) : 'none');
    const limitS = o.minutes === undefined ? Number.POSITIVE_INFINITY : o.minutes * 60;
    const maxSteps = o.steps ?? Number.POSITIVE_INFINITY;
    const bar =
      o.progress === false
        ? { update() {}, stop() {} }
        : startProgress('train', o.steps ?? Math.round(limitS), ['loss', 'tok_s']);
    const accum = new GradientAccumulation(o.accumulate ?? 1);
    const evals: EvalRecord[] = [];
    let lastLoss = Number.NaN;
    const horizon = o.steps === undefined ? new StepHorizon(limitS) : undefined;
    const sessionStart = performance.now();
    const elapsedBefore = this.state.elapsedS;
    const elapsed = (): number => elapsedBefore + (performance.now() - sessionStart) / 1000;
    this.model.train();
    const stop = catchSignals(o.stopSignals ?? []);
    try {
      while (this.state.step < maxSteps && this.state.elapsedS < limitS) {
        const step = this.state.step;
        const t0 = performance.now();
        const { loss, tokens } = this.trainStep(step, accum);
        const dt = (performance.now() - t0) / 1000;
        lastLoss = loss;
        this.state.step = step + 1;
        this.state.tokensSeen += tokens;
        this.state.elapsedS = elapsed();
        const total = horizon?.update(this.state.step, this.state.elapsedS);
        if (total !== undefined) this.state.totalSteps = total;
        log.write('train', {
          step: this.state.step,
          loss,
          lr: this.optimizer.lr,
          tokens_per_s: tokens / dt,
          elapsed_s: this.state.elapsedS,
        });
        bar.update(
          o.steps !== undefined ? this.state.step : Math.min(Math.round(this.state.elapsedS), limitS),
          {
            loss: loss.toFixed(4),
            tok_s: Math.round(tokens / dt),
          },
        );
        if (o.evalEvery && this.state.step % o.evalEvery === 0) evals.push(await this.evalAndSave(log));
        if (stop.armed) await yieldToEvents();
        if (stop.signal !== undefined) break;
      }
    } finally {
      bar.stop();
      stop.release();
    }
    if (stop.signal !== undefined) {
      if (evals.at(-1)?.step !== this.state.step) await this.save();
      log.write('stopped', { step: this.state.step, signal: stop.signal });
    } else if (evals.at(-1)?.step !== this.state.step) evals.push(await this.evalAndSave(log));
    return {
      step: this.state.step,
      elapsedS: this.state.elapsedS,
      tokensSeen: this.state.tokensSeen,
      lastLoss,
      evals,
      final: evals.at(-1)?.metrics ?? {},
      ...(this.state.best ? { best: this.state.best } : {}),
      ...(stop.signal === undefined ? {} : { stopped: stop.signal }),
    };
  }

  /** Validation metrics of the current weights (eval mode, no gradients). */
  evaluate(): Record<string, number> {
    this.model.eval();
    try {
      return noGrad(() => this.o.task.evaluate(this.model));
    } finally {
      this.model.train();
    }
  }

  private lrAt(step: number): number {
    const warmupSteps = this.o.warmupSteps ?? 0;
    const total = this.state.totalSteps;
    if (total === 0) return step < warmupSteps ? (this.peakLr * (step + 1)) / warmupSteps : this.peakLr;
    return warmupSchedule({
      peakLr: this.peakLr,
      warmupSteps: Math.min(warmupSteps, total),
      totalSteps: total,
      minLr: this.peakLr / 10,
    })(step);
  }

  private trainStep(step: number, accum: GradientAccumulation): { loss: number; tokens: number } {
    const micro = this.o.accumulate ?? 1;
    let lossSum = 0;
    let tokens = 0;
    for (let m = 0; m < micro; m++) {
      reseedDropout(this.model, this.seed, step, m);
      const batch = tidy(() => this.o.task.loss(this.model, step, m));
      const value = batch.loss.value.item();
      if (!Number.isFinite(value)) {
        batch.loss.dispose();
        this.optimizer.zeroGrad();
        throw diverged(step, `the loss is ${value}`);
      }
      accum.backward(batch.loss);
      batch.loss.dispose();
      lossSum += value;
      tokens += batch.tokens;
    }
    const maxNorm = this.o.maxGradNorm ?? 1;
    try {
      if (maxNorm > 0) clipGradNorm(this.optimizer.params, maxNorm);
    } catch (e) {
      this.optimizer.zeroGrad();
      if (isFrugalError(e, 'E_ARG')) throw diverged(step, 'the gradient norm is not finite');
      throw e;
    }
    this.optimizer.step();
    this.optimizer.zeroGrad();
    return { loss: lossSum / micro, tokens };
  }

  private async evalAndSave(log: JsonlLog): Promise<EvalRecord> {
    const metrics = this.evaluate();
    const rec = { step: this.state.step, elapsedS: this.state.elapsedS, metrics };
    log.write('eval', {
      step: rec.step,
      elapsed_s: rec.elapsedS,
      ...Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`val_${k}`, v])),
    });
    const { better } = this.o.task;
    const best = this.state.best;
    if (better && (best === undefined || better(metrics, best.metrics))) {
      this.state.best = rec;
      if (this.o.out)
        await saveWeights(join(this.o.out, BEST_DIR), {
          model: this.model.stateDict(),
          state: this.state,
          ...(this.o.extras ? { extras: this.o.extras } : {}),
        });
    }
    await this.save();
    return rec;
  }

  private async save(): Promise<void> {
    if (this.o.out)
      await saveCheckpoint(this.o.out, {
        model: this.model.stateDict(),
        optimizer: this.optimizer.stateDict(),
        state: this.state,
        ...(this.o.extras ? { extras: this.o.extras } : {}),
      });
  }

  /** Loads the checkpoint to resume, or checks that a fresh run would not overwrite one. */
  private async prepareOut(out: string): Promise<void> {
    const hasCheckpoint = existsSync(join(out, CHECKPOINT_FILES.state));
    if (!this.o.resume) {
      await mkdir(out, { recursive: true });
      if (hasCheckpoint)
        throw new FrugalError('E_CONFIG', `${out} already holds a checkpoint`, {
          op: 'Trainer',
          file: out,
          field: 'out',
          hint: 'pass --resume to continue it, or choose another --out directory',
        });
      return;
    }
    if (!hasCheckpoint)
      throw new FrugalError('E_IO', 'there is no checkpoint to resume', {
        op: 'Trainer',
        file: join(out, CHECKPOINT_FILES.state),
        hint: 'start the run without --resume first',
      });
    const state = await readTrainerState(out);
    if (state.seed !== this.seed)
      throw new FrugalError(
        'E_CONFIG',
        `the checkpoint was trained with seed ${state.seed}, not ${this.seed}`,
        {
          op: 'Trainer',
          field: 'seed',
          hint: 'resume with the same --seed (the data order and dropout depend on it)',
        },
      );
    const weights = await loadModelWeights(out, state);
    const opt = await loadOptimizerState(out, state);
    try {
      this.model.loadStateDict(weights);
      this.optimizer.loadStateDict(opt);
    } finally {
      for (const t of Object.values(weights)) t.dispose();
      for (const t of Object.values(opt.tensors)) t.dispose();
    }
    this.state = { ...state, run: this.o.run ?? state.run };
    await truncateMetrics(join(out, METRICS_FILE), state.step);
  }
}

/** The first of the given signals to arrive; a second one re-raises itself with the default action restored. */
function catchSignals(signals: readonly NodeJS.Signals[]) {
  const caught: { signal?: NodeJS.Signals; armed: boolean; release: () => void } = {
    armed: signals.length > 0,
    release: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (caught.signal === undefined) {
      caught.signal = signal;
      return;
    }
    caught.release();
    process.kill(process.pid, signal);
  }
  for (const s of signals) process.on(s, onSignal);
  return caught;
}

// A step is synchronous from start to end, so signal events wait for the loop to yield once per step.
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Drops metric lines a killed session wrote after its last checkpoint, so the log reads as one run. */
async function truncateMetrics(file: string, step: number): Promise<void> {
  if (!existsSync(file)) return;
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const kept = lines.filter((l) => {
    try {
      const row = JSON.parse(l) as { step?: unknown };
      return typeof row.step !== 'number' || row.step <= step;
    } catch {
      return false;
    }
  });
  await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}

function diverged(step: number, what: string): FrugalError {
  return new FrugalError('E_DIVERGED', `${what} at step ${step + 1}; the last checkpoint is left as it was`, {
    op: 'Trainer',
    hint: 'lower --lr, raise --warmup, or keep gradient clipping on',
  });
}

function validate<M extends Module>(o: TrainerOptions<M>): void {
  const op = 'Trainer';
  const positiveInt = (v: number | undefined, field: string): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new FrugalError('E_ARG', `${field} must be a positive integer, got ${v}`, { op, field });
  };
  positiveInt(o.steps, 'steps');
  positiveInt(o.accumulate, 'accumulate');
  positiveInt(o.evalEvery, 'evalEvery');
  if (o.warmupSteps !== undefined && (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0))
    throw new FrugalError('E_ARG', `warmupSteps must be an integer >= 0, got ${o.warmupSteps}`, {
      op,
      field: 'warmupSteps',
    });
  if (o.minutes !== undefined && !(o.minutes > 0))
    throw new FrugalError('E_ARG', `minutes must be > 0, got ${o.minutes}`, { op, field: 'minutes' });
  if (o.steps === undefined && o.minutes === undefined)
    throw new FrugalError('E_ARG', 'neither steps nor minutes is set, so the run would never end', {
      op,
      field: 'steps',
      hint: 'pass --steps N or --minutes M',
    });
  if (o.lr !== undefined && !(o.lr > 0 && Number.isFinite(o.lr)))
    throw new FrugalError('E_ARG', `lr must be a finite number > 0, got ${o.lr}`, { op, field: 'lr' });
  if (o.maxGradNorm !== undefined && !(o.maxGradNorm >= 0))
    throw new FrugalError('E_ARG', `maxGradNorm must be >= 0, got ${o.maxGradNorm}`, {
      op,
      field: 'maxGradNorm',
    });
  if (o.resume && !o.out)
    throw new FrugalError('E_ARG', 'resume needs the checkpoint directory', { op, field: 'out' });
}
