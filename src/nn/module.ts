/**
 * The Module base: named parameters and child modules in registration order, train/eval mode,
 * freezing, and state dicts keyed by dotted paths ("blocks.0.attn.q.weight").
 */

import { param, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { cast } from '../ops/elementwise.js';
import { keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  training = true;
  readonly #params = new Map<string, Variable>();
  readonly #children = new Map<string, Module>();

  /** Registers a trainable parameter; the module owns `value` (it survives tidy() scopes). */
  protected addParam(name: string, value: Tensor): Variable {
    this.checkFreeName(name);
    const p = param(keep(value), name);
    this.#params.set(name, p);
    return p;
  }

  protected addModule<M extends Module>(name: string, m: M): M {
    this.checkFreeName(name);
    this.#children.set(name, m);
    return m;
  }

  private checkFreeName(name: string): void {
    if (name === '' || name.includes('.') || this.#params.has(name) || this.#children.has(name)) {
      throw new FrugalError(
        'E_ARG',
        `parameter or module name ${JSON.stringify(name)} is empty, dotted or taken`,
        {
          op: 'Module',
          field: name,
        },
      );
    }
  }

  namedParameters(prefix = ''): [string, Variable][] {
    const out: [string, Variable][] = [];
    for (const [n, p] of this.#params) out.push([prefix + n, p]);
    for (const [n, m] of this.#children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.value.size, 0);
  }

  children(): Module[] {
    return [...this.#children.values()];
  }

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  /**
   * Puts `next` in place of the child registered as `name` (compression swaps Linear layers for
   * quantized ones this way): the state-dict entry and every field of this module that held the
   * old child, directly or in an array, point at `next` afterwards. Returns the old child.
   */
  replaceChild(name: string, next: Module): Module {
    const old = this.#children.get(name);
    if (!old) {
      throw new FrugalError('E_NOT_FOUND', `no child module named ${JSON.stringify(name)}`, {
        op: 'replaceChild',
        field: name,
        hint: `children: ${[...this.#children.keys()].join(', ')}`,
      });
    }
    this.#children.set(name, next);
    const fields = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (value === old) fields[key] = next;
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (value[i] === old) value[i] = next;
      }
    }
    return old;
  }

  train(mode = true): this {
    this.training = mode;
    for (const m of this.#children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stops gradients for every parameter below this module (they keep their values). */
  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad = false;
    return this;
  }

  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    return this;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** The live parameter tensors by dotted name (not copies: save or clone them before training on). */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedParameters().map(([n, p]) => [n, p.value]));
  }

  /**
   * Copies values from `state` into the parameters. Every key, shape and dtype is checked before
   * anything changes; the first mismatch raises a FrugalError naming the key. With strict off,
   * missing and unexpected keys are skipped (shapes and dtypes are still checked).
   */
  loadStateDict(state: StateDict | ReadonlyMap<string, Tensor>, opts: { strict?: boolean } = {}): void {
    const strict = opts.strict ?? true;
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const named = new Map(this.namedParameters());
    const op = 'loadStateDict';
    if (strict) {
      for (const key of named.keys()) {
        if (!entries.has(key)) {
          throw new FrugalError('E_NOT_FOUND', `missing key ${key}`, {
            op,
            field: key,
            hint: 'pass { strict: false } to load a partial state dict',
          });
        }
      }
      for (const key of entries.keys()) {
        if (!named.has(key)) {
          throw new FrugalError('E_NOT_FOUND', `unexpected key ${key} (the module has no such parameter)`, {
            op,
            field: key,
            hint: `known keys start with: ${[...named.keys()].slice(0, 5).join(', ')}`,
          });
        }
      }
    }
    const updates: [Variable, Tensor][] = [];
    for (const [key, t] of entries) {
      const p = named.get(key);
      if (!p) continue;
      if (!(t instanceof Tensor) || t.isDisposed) {
        throw new FrugalError('E_ARG', `value for ${key} is not a live Tensor`, { op, field: key });
      }
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
        throw new FrugalError('E_SHAPE', `shape of ${key} is [${t.shape}], the module expects [${p.shape}]`, {
          op,
          field: key,
          shapes: [t.shape, p.shape],
        });
      }
      if (t.dtype !== p.dtype) {
        throw new FrugalError('E_DTYPE', `dtype of ${key} is ${t.dtype}, the module expects ${p.dtype}`, {
          op,
          field: key,
          hint: 'cast the tensor first',
        });
      }
      updates.push([p, t]);
    }
    for (const [p, t] of updates) {
      // A copy, not a shared view: optimizers update parameters in place.
      const copy = cast(t, t.dtype);
      p.value.dispose();
      p.value = keep(copy);
      p.zeroGrad();
    }
  }

  /** Frees every parameter and gradient. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}
