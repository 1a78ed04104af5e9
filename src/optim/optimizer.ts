/**
 * The optimizer base: walks parameters that have a gradient and updates their f32 storage in
 * place. Each subclass has a fused native kernel (one pass over p, g and the state) and the same
 * update as a TypeScript loop, which runs when the addon is absent or `native: false` and is the
 * oracle the kernels are tested against. Frozen parameters and parameters without a gradient are
 * skipped.
 */
import type { Variable } from '../autograd/variable.js';
import type { NativeAddon } from '../backend/native/binding.js';
import { FrugalError } from '../core/errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { optimizerKernels } from './native.js';

/**
 * Everything an optimizer needs to continue exactly where it stopped. State tensors are keyed
 * `<param key>.<slot>`, where the param key is the parameter's name (or `#<index>` without one).
 */
export interface OptimizerState {
  step: number;
  lr: number;
  tensors: Record<string, Tensor>;
}

/** lr for a given (0-based) step; see schedule.ts. */
export type LrSchedule = (step: number) => number;

export interface OptimizerOptions {
  lr: number;
  weightDecay?: number;
  /** When set, lr is taken from it before every step. */
  schedule?: LrSchedule;
  /** Use the native kernels when the addon has them (default true); false runs the TypeScript loops. */
  native?: boolean;
}

export abstract class Optimizer {
  lr: number;
  readonly weightDecay: number;
  /** Steps taken so far. */
  stepCount = 0;
  readonly params: Variable[];
  private readonly keys: string[];
  private readonly schedule: LrSchedule | undefined;
  private readonly state = new Map<Variable, Float32Array[]>();
  /** The addon when updates run natively, else undefined. */
  protected readonly kernels: NativeAddon | undefined;

  constructor(params: readonly Variable[], opts: OptimizerOptions, name: string) {
    if (!(opts.lr >= 0) || !Number.isFinite(opts.lr)) {
      throw new FrugalError('E_ARG', `lr must be a finite number >= 0, got ${opts.lr}`, {
        op: name,
        field: 'lr',
      });
    }
    const wd = opts.weightDecay ?? 0;
    if (!(wd >= 0)) {
      throw new FrugalError('E_ARG', `weightDecay must be >= 0, got ${wd}`, {
        op: name,
        field: 'weightDecay',
      });
    }
    for (const p of params) {
      if (p.dtype !== 'f32' || !p.value.isContiguous) {
        throw new FrugalError('E_DTYPE', `parameter ${p.name ?? ''} must be a contiguous f32 tensor`, {
          op: name,
          shapes: [p.shape],
          field: p.name,
          hint: 'optimizers update f32 master weights; keep low-precision copies separately',
        });
      }
    }
    this.params = [...params];
    this.keys = stateKeys(this.params);
    this.lr = opts.lr;
    this.weightDecay = wd;
    this.schedule = opts.schedule;
    this.kernels = opts.native === false ? undefined : optimizerKernels();
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    if (this.schedule) this.lr = this.schedule(this.stepCount);
    this.stepCount++;
    for (const p of this.params) {
      if (!p.requiresGrad || !p.grad) continue;
      const v = p.value;
      const g = p.grad;
      const data = (v.data as Float32Array).subarray(v.offset, v.offset + v.size);
      const grad = (g.data as Float32Array).subarray(g.offset, g.offset + g.size);
      let st = this.state.get(p);
      if (!st) {
        st = Array.from({ length: this.stateSlots }, () => new Float32Array(v.size));
        this.state.set(p, st);
      }
      this.update(data, grad, st);
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** The step count, lr and state buffers; the tensors share the optimizer's memory (no copy). */
  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    this.params.forEach((p, i) => {
      const st = this.state.get(p);
      if (!st) return;
      st.forEach((buf, slot) => {
        tensors[`${this.keys[i]}.${slot}`] = tensor(buf, { shape: p.shape });
      });
    });
    return { step: this.stepCount, lr: this.lr, tensors };
  }

  /**
   * Restores a stateDict(). Every key is checked before anything changes, so a mismatched state
   * leaves the optimizer as it was.
   */
  loadStateDict(sd: OptimizerState): void {
    const restored = new Map<Variable, Float32Array[]>();
    const used = new Set<string>();
    this.params.forEach((p, i) => {
      const keys = Array.from({ length: this.stateSlots }, (_, slot) => `${this.keys[i]}.${slot}`);
      const present = keys.filter((k) => k in sd.tensors);
      if (present.length === 0) return;
      if (present.length !== keys.length) {
        const missing = keys.find((k) => !(k in sd.tensors));
        throw new FrugalError('E_CONFIG', `optimizer state is missing ${missing}`, {
          op: 'Optimizer.loadStateDict',
          field: missing,
        });
      }
      restored.set(
        p,
        keys.map((k) => {
          used.add(k);
          const t = sd.tensors[k]!;
          if (t.dtype !== 'f32' || t.size !== p.value.size) {
            throw new FrugalError(
              'E_SHAPE',
              `optimizer state ${k} is ${t.dtype} [${t.shape.join(', ')}], expected f32 [${p.shape.join(', ')}]`,
              { op: 'Optimizer.loadStateDict', field: k, shapes: [t.shape, p.shape] },
            );
          }
          return Float32Array.from(t.toFlatArray());
        }),
      );
    });
    const unexpected = Object.keys(sd.tensors).find((k) => !used.has(k));
    if (unexpected !== undefined) {
      throw new FrugalError('E_CONFIG', `optimizer state has an unexpected entry ${unexpected}`, {
        op: 'Optimizer.loadStateDict',
        field: unexpected,
        hint: 'the state was saved for a different model or optimizer',
      });
    }
    if (!Number.isInteger(sd.step) || sd.step < 0 || !Number.isFinite(sd.lr)) {
      throw new FrugalError('E_CONFIG', `optimizer state has step ${sd.step} and lr ${sd.lr}`, {
        op: 'Optimizer.loadStateDict',
        field: 'step',
      });
    }
    this.state.clear();
    for (const [p, bufs] of restored) this.state.set(p, bufs);
    this.stepCount = sd.step;
    this.lr = sd.lr;
  }

  /** Per-parameter state buffers (momentum, second moments, ...), zero-initialized. */
  protected abstract readonly stateSlots: number;

  protected abstract update(param: Float32Array, grad: Float32Array, state: Float32Array[]): void;
}

/**
 * State-dict keys: the parameter's name where it is unique, else name#index. Module parameters
 * carry their local name ("weight"), which repeats across layers.
 */
function stateKeys(params: readonly Variable[]): string[] {
  const seen = new Map<string, number>();
  for (const p of params) if (p.name !== undefined) seen.set(p.name, (seen.get(p.name) ?? 0) + 1);
  return params.map((p, i) =>
    p.name !== undefined && seen.get(p.name) === 1 ? p.name : `${p.name ?? ''}#${i}`,
  );
}
