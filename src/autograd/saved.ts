/**
 * The one hook point for tensors saved for backward (like PyTorch's saved_tensors_hooks). Every
 * tensor a backward rule needs is packed when the op runs and unpacked when its rule runs, so
 * activation compression or recomputation (checkpointing) plug in here without touching the rules.
 */
import { keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';

export interface SavedTensorHooks {
  /** Called once per saved tensor at forward time; owns nothing of `t` after it returns. */
  pack(t: Tensor): unknown;
  /** Returns a tensor handle the caller owns (it disposes it after the rule ran). */
  unpack(packed: unknown): Tensor;
  /** Releases a packed value that will never be unpacked (graph freed without backward). */
  discard?(packed: unknown): void;
}

/** A saved tensor as it sits in the graph: the packed value and the hooks that made it. */
export interface SavedSlot {
  packed: unknown;
  hooks: SavedTensorHooks;
}

/** Another handle on the same storage: keeps it alive until this handle is disposed. */
export function alias(t: Tensor): Tensor {
  return new Tensor(t.storage, t.shape, t.strides, t.offset);
}

/** Default: hold a handle (the storage stays alive, nothing is copied). */
const retainHooks: SavedTensorHooks = {
  pack: (t) => keep(alias(t)),
  unpack: (p) => p as Tensor,
  discard: (p) => (p as Tensor).dispose(),
};

const stack: SavedTensorHooks[] = [];

/** Runs `fn` with `hooks` applied to every tensor saved for backward inside it (innermost wins). */
export function withSavedTensorHooks<T>(hooks: SavedTensorHooks, fn: () => T): T {
  stack.push(hooks);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

export function packSaved(t: Tensor): SavedSlot {
  const hooks = stack[stack.length - 1] ?? retainHooks;
  return { packed: hooks.pack(t), hooks };
}

export function unpackSaved(slot: SavedSlot): Tensor {
  return slot.hooks.unpack(slot.packed);
}

export function discardSaved(slot: SavedSlot): void {
  slot.hooks.discard?.(slot.packed);
}
