/**
 * NxMiFormer training: ADMM towards an N:M-sparse, quantized weight for each chosen Linear, then
 * hard pruning and quantization-aware fine-tuning with the mask fixed.
 *
 * ADMM splits "minimise the task loss subject to W in S" (S = N:M-sparse and on the per-row
 * quantization grid) with an auxiliary copy Z in S and a scaled dual U:
 *   W-step: optimizer steps on  task(W) + (ρ/2)‖W − Z + U‖²   (every step),
 *   Z-step: Z = round(Π_N:M(W + U)),  U-step: U ← U + W − Z   (every `every` steps).
 * ρ grows by `rhoGrowth` at every Z-step, so W is pulled onto S ever harder as training goes on.
 * Then every layer's mask is fixed to the N largest |w| per M-block (W ⊙ mask, the "hard prune")
 * and training continues with the rounded weight in the forward pass (STE, nxm-linear.ts).
 * Both phases run in the standard Trainer (seeded data order and dropout, AdamW with warmup and
 * cosine decay, clipping, progress bar, metrics.jsonl).
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/creation.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { Trainer, type TrainerTask, type TrainResult } from '../train/trainer.js';
import { findLayers, type LayerSite } from './layers.js';
import { type AdmmState, admmInit, admmUpdate, projectNm } from './nm-sparsity.js';
import { NxmLinear } from './nxm-linear.js';
import { fakeQuantRows, type NxmSpec, patternOf } from './nxm-spec.js';
import { f32Data } from './tensor-data.js';

export interface NxmSite {
  path: string;
  layer: NxmLinear;
}

/** Swaps every Linear named in `assignment` for an NxmLinear with its spec; unknown paths are an error. */
export function attachNxm(model: Module, assignment: ReadonlyMap<string, NxmSpec>): NxmSite[] {
  const sites = findLayers(model, (m): m is Linear => m instanceof Linear);
  const byPath = new Map(sites.map((s) => [s.path, s]));
  for (const path of assignment.keys()) {
    if (!byPath.has(path)) {
      throw new FrugalError('E_NOT_FOUND', `the model has no Linear at ${path}`, {
        op: 'attachNxm',
        field: 'assignment',
        hint: `Linear paths look like ${sites[0]?.path ?? '(none)'}`,
      });
    }
  }
  return [...assignment].map(([path, spec]) => {
    const site = byPath.get(path) as LayerSite<Linear>;
    const layer = new NxmLinear(site.layer, spec);
    site.parent.replaceChild(site.name, layer);
    site.layer.dispose();
    return { path, layer };
  });
}

export interface AdmmOptions {
  /** Initial penalty weight ρ (default 1e-3). */
  rho?: number;
  /** ρ is multiplied by this at every Z-step (default 1.3). */
  rhoGrowth?: number;
  /** Optimizer steps between Z/U updates (default 10). */
  every?: number;
}

interface LayerAdmm {
  layer: NxmLinear;
  state: AdmmState;
  /** Z − U as a tensor, the penalty's target; rebuilt after every Z/U update. */
  target: Tensor;
}

function roundOf(layer: NxmLinear) {
  return (z: Float32Array) => fakeQuantRows(z, layer.outFeatures, layer.inFeatures, layer.spec.bits);
}

/** Kept: Z/U updates run inside the Trainer's tidy scope, and the target must outlive it. */
function targetOf(state: AdmmState, layer: NxmLinear): Tensor {
  return keep(
    tensor(
      state.z.map((z, i) => z - state.u[i]!),
      { shape: [layer.outFeatures, layer.inFeatures] },
    ),
  );
}

/**
 * The ADMM W-step as a Trainer task: the inner task's loss plus the penalty, with the Z/U updates
 * run before the first micro-batch of every `every`-th step. `rho` and `residual()` report progress.
 */
export class AdmmTask<M extends Module> implements TrainerTask<M> {
  readonly #inner: TrainerTask<M>;
  readonly #layers: LayerAdmm[];
  readonly #every: number;
  readonly #growth: number;
  #rho: number;

  constructor(inner: TrainerTask<M>, sites: readonly NxmSite[], opts: AdmmOptions = {}) {
    this.#inner = inner;
    this.#rho = opts.rho ?? 1e-3;
    this.#growth = opts.rhoGrowth ?? 1.3;
    this.#every = opts.every ?? 10;
    for (const [field, v] of [
      ['rho', this.#rho],
      ['rhoGrowth', this.#growth],
      ['every', this.#every],
    ] as const) {
      if (!(v > 0) || !Number.isFinite(v) || (field === 'every' && !Number.isInteger(v))) {
        throw new FrugalError(
          'E_CONFIG',
          `admm.${field} must be a positive ${field === 'every' ? 'integer' : 'number'}, got ${v}`,
          {
            op: 'admm',
            field: `admm.${field}`,
          },
        );
      }
    }
    this.#layers = sites.map(({ layer }) => {
      const state = admmInit(
        f32Data(layer.weight.value),
        layer.inFeatures,
        patternOf(layer.spec),
        roundOf(layer),
      );
      return { layer, state, target: targetOf(state, layer) };
    });
  }

  get rho(): number {
    return this.#rho;
  }

  /**
   * ‖W − Π(W)‖ / ‖W‖ over all layers, Π the N:M magnitude projection: the share of the weight norm
   * that hard pruning would remove now (about 0.45 for random weights at 2:4, 0 on the N:M set).
   */
  residual(): number {
    let diff = 0;
    let norm = 0;
    for (const { layer } of this.#layers) {
      const w = f32Data(layer.weight.value);
      const p = projectNm(w, layer.inFeatures, patternOf(layer.spec));
      for (let i = 0; i < w.length; i++) {
        diff += (w[i]! - p[i]!) ** 2;
        norm += w[i]! ** 2;
      }
    }
    return Math.sqrt(diff / norm);
  }

  loss(model: M, step: number, micro: number) {
    if (micro === 0 && step > 0 && step % this.#every === 0) this.#update();
    const batch = this.#inner.loss(model, step, micro);
    let penalty: Variable | undefined;
    for (const { layer, target } of this.#layers) {
      const d = A.sub(layer.weight, A.constant(target));
      const term = A.sum(A.mul(d, d));
      penalty = penalty ? A.add(penalty, term) : term;
    }
    return {
      loss: penalty ? A.add(batch.loss, A.mul(penalty, this.#rho / 2)) : batch.loss,
      tokens: batch.tokens,
    };
  }

  evaluate(model: M): Record<string, number> {
    return { ...this.#inner.evaluate(model), admm_residual: this.residual(), admm_rho: this.#rho };
  }

  #update(): void {
    for (const l of this.#layers) {
      admmUpdate(
        l.state,
        f32Data(l.layer.weight.value),
        l.layer.inFeatures,
        patternOf(l.layer.spec),
        roundOf(l.layer),
      );
      l.target.dispose();
      l.target = targetOf(l.state, l.layer);
    }
    this.#rho *= this.#growth;
  }

  dispose(): void {
    for (const l of this.#layers) l.target.dispose();
  }
}

export interface NxmTrainOptions<M extends Module> {
  model: M;
  sites: readonly NxmSite[];
  task: TrainerTask<M>;
  admm: AdmmOptions & { steps: number; lr: number };
  finetune: { steps: number; lr: number };
  seed?: number;
  /** Directories for the two phases' metrics.jsonl and checkpoints (none when absent). */
  out?: { admm: string; finetune: string };
  progress?: boolean;
}

export interface NxmTrainResult {
  admm: TrainResult | undefined;
  finetune: TrainResult | undefined;
  /** AdmmTask.residual() when ADMM stopped, just before hard pruning. */
  residual: number | undefined;
}

/** ADMM, hard pruning (masks fixed), then STE fine-tuning; the model ends with every site masked. */
export async function trainNxm<M extends Module>(o: NxmTrainOptions<M>): Promise<NxmTrainResult> {
  const common = {
    model: o.model,
    seed: o.seed ?? 0,
    weightDecay: 0,
    ...(o.progress === undefined ? {} : { progress: o.progress }),
  };
  let admm: TrainResult | undefined;
  let residual: number | undefined;
  if (o.admm.steps > 0) {
    const task = new AdmmTask(o.task, o.sites, o.admm);
    try {
      admm = await new Trainer({
        ...common,
        task,
        steps: o.admm.steps,
        lr: o.admm.lr,
        warmupSteps: Math.min(20, Math.floor(o.admm.steps / 10)),
        ...(o.out ? { out: o.out.admm } : {}),
      }).fit();
      residual = task.residual();
    } finally {
      task.dispose();
    }
  }
  for (const { layer } of o.sites) layer.fixMask();
  const finetune =
    o.finetune.steps > 0
      ? await new Trainer({
          ...common,
          task: o.task,
          steps: o.finetune.steps,
          lr: o.finetune.lr,
          ...(o.out ? { out: o.out.finetune } : {}),
        }).fit()
      : undefined;
  o.model.eval();
  return { admm, finetune, residual };
}
