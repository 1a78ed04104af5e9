/**
 * Variables and the tape. A Variable wraps a Tensor value; when grad mode is on and an input
 * requires grad, each differentiable op records a Node (op name, attrs, inputs, saved tensors)
 * on its output. backward() walks those nodes in reverse.
 */
import { FrugalError } from '../core/errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { runBackward } from './backward.js';
import type { DiffOp, DiffOpAttrs } from './rules.js';
import { discardSaved, packSaved, type SavedSlot } from './saved.js';

export interface Node<K extends DiffOp = DiffOp> {
  op: K;
  attrs: DiffOpAttrs[K];
  /** Differentiable inputs in rule order; null where an operand was a plain number. */
  inputs: (Variable | null)[];
  inputShapes: Shape[];
  saved: SavedSlot[];
  /** Set once backward has consumed the node (its saved tensors are gone). */
  released: boolean;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording (inference, optimizer updates, recomputation control). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

// Deliberately no `isDisposed`: tidy() then looks inside a returned Variable and keeps its value.
export class Variable {
  value: Tensor;
  requiresGrad: boolean;
  /** Accumulated gradient (leaves only), contiguous, same shape and dtype as value. */
  grad: Tensor | undefined;
  // A private field, so tidy() (which walks enumerable fields) never reaches the graph.
  #node: Node | undefined;
  /** Optional name (module parameters carry their state-dict key). */
  name: string | undefined;

  constructor(value: Tensor, opts: { requiresGrad?: boolean; name?: string } = {}) {
    this.value = value;
    this.requiresGrad = opts.requiresGrad ?? false;
    this.grad = undefined;
    this.name = opts.name;
  }

  /** The node that produced this value; undefined for leaves and for values made without grad. */
  get node(): Node | undefined {
    return this.#node;
  }

  set node(n: Node | undefined) {
    this.#node = n;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get dtype() {
    return this.value.dtype;
  }

  get isLeaf(): boolean {
    return this.node === undefined;
  }

  /** Back-propagates from this variable; `seed` defaults to ones (so a scalar loss needs none). */
  backward(seed?: Tensor): void {
    runBackward(this, seed);
  }

  /** The same value without history. */
  detach(): Variable {
    return new Variable(this.value);
  }

  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = undefined;
  }

  /** Frees the value, the gradient and any graph still hanging off this variable. */
  dispose(): void {
    releaseGraph(this);
    this.value.dispose();
    this.zeroGrad();
  }
}

/** A trainable leaf. */
export function param(value: Tensor, name?: string): Variable {
  return new Variable(value, { requiresGrad: true, ...(name === undefined ? {} : { name }) });
}

/** A constant (no gradient). */
export function constant(value: Tensor): Variable {
  return new Variable(value);
}

/**
 * Wraps an op's output. Records a node when grad mode is on and any input requires grad; the
 * tensors in `save` go through the saved-tensor hooks only in that case.
 */
export function record<K extends DiffOp>(
  op: K,
  out: Tensor,
  inputs: (Variable | null)[],
  attrs: DiffOpAttrs[K],
  save: () => Tensor[],
): Variable {
  const needs = gradEnabled && inputs.some((v) => v?.requiresGrad === true);
  const result = new Variable(out, { requiresGrad: needs });
  if (!needs) return result;
  for (const v of inputs) {
    if (v?.node?.released) {
      throw new FrugalError('E_ARG', `an input of ${op} belongs to a graph that backward() already freed`, {
        op,
        shapes: [v.shape],
        hint: 'run the forward pass again before a second backward()',
      });
    }
  }
  result.node = {
    op,
    attrs,
    inputs,
    inputShapes: inputs.map((v) => v?.shape ?? []),
    saved: save().map(packSaved),
    released: false,
  };
  return result;
}

/** Drops the saved tensors of every node reachable from `root` that backward has not consumed. */
export function releaseGraph(root: Variable): void {
  const stack = [root];
  const seen = new Set<Node>();
  while (stack.length > 0) {
    const v = stack.pop()!;
    const n = v.node;
    if (!n || seen.has(n) || n.released) continue;
    seen.add(n);
    for (const s of n.saved) discardSaved(s);
    n.saved = [];
    n.released = true;
    for (const i of n.inputs) if (i) stack.push(i);
  }
}
