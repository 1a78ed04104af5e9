/**
 * Keys and values of earlier decoding steps, [B, H, S, D] each, for one attention layer.
 * Decoding is inference: cached tensors carry no gradient, so call it under noGrad().
 */
import * as A from '../autograd/index.js';
import { alias } from '../autograd/saved.js';
import { constant, isGradEnabled, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

export class KVCache {
  #k: Tensor | undefined;
  #v: Tensor | undefined;

  /** Cached positions. */
  get length(): number {
    return this.#k?.shape[2] ?? 0;
  }

  /** Appends this step's keys/values and returns the full sequences to attend over. */
  append(k: Variable, v: Variable): [Variable, Variable] {
    if (isGradEnabled() && (k.requiresGrad || v.requiresGrad)) {
      throw new FrugalError('E_ARG', 'the KV cache is for inference; run decoding under noGrad()', {
        op: 'KVCache',
      });
    }
    const fullK = this.#k ? A.concat([constant(this.#k), k], 2) : k;
    const fullV = this.#v ? A.concat([constant(this.#v), v], 2) : v;
    this.#k?.dispose();
    this.#v?.dispose();
    // The cache owns its own handles so tidy() scopes around each step do not free it.
    this.#k = keep(alias(fullK.value));
    this.#v = keep(alias(fullV.value));
    return [fullK, fullV];
  }

  /** The cached keys and values (no gradient), or undefined while empty. */
  read(): [Variable, Variable] | undefined {
    return this.#k && this.#v ? [constant(this.#k), constant(this.#v)] : undefined;
  }

  clear(): void {
    this.#k?.dispose();
    this.#v?.dispose();
    this.#k = undefined;
    this.#v = undefined;
  }
}
