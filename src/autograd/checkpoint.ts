/**
 * Activation checkpointing on the saved-tensor hook: inside a checkpointed function every saved
 * tensor is packed as a slot number (nothing kept), and the first unpack in backward re-runs
 * the function from its saved inputs to refill all slots. Peak memory then holds one segment's
 * activations at a time instead of all of them.
 *
 * The function must be deterministic: Dropout inside it would draw a different mask on recompute.
 */
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  alias,
  discardSaved,
  packSaved,
  type SavedSlot,
  type SavedTensorHooks,
  unpackSaved,
  withSavedTensorHooks,
} from './saved.js';
import { isGradEnabled, Variable, withGradMode } from './variable.js';

export function checkpoint(fn: (...xs: Variable[]) => Variable, ...inputs: Variable[]): Variable {
  if (!isGradEnabled() || !inputs.some((v) => v.requiresGrad)) return fn(...inputs);
  // The segment's inputs are saved through the enclosing hooks (so compression still applies).
  let boundary: SavedSlot[] | undefined = inputs.map((v) => packSaved(v.value));
  let slots: (Tensor | undefined)[] | undefined;
  let packed = 0;
  let pending = 0;

  const recompute = (): (Tensor | undefined)[] => {
    const values = boundary!.map(unpackSaved);
    boundary = undefined;
    const refill: Tensor[] = [];
    const capture: SavedTensorHooks = {
      pack: (t) => refill.push(keep(alias(t))) - 1,
      unpack: (i) => refill[i as number]!,
    };
    try {
      withGradMode(true, () =>
        tidy(() => {
          const again = values.map((t, i) => new Variable(t, { requiresGrad: inputs[i]!.requiresGrad }));
          withSavedTensorHooks(capture, () => fn(...again));
        }),
      );
    } finally {
      for (const t of values) t.dispose();
    }
    return refill;
  };

  const settle = () => {
    if (--pending > 0) return;
    if (boundary) boundary.forEach(discardSaved);
    boundary = undefined;
    for (const t of slots ?? []) t?.dispose();
  };

  const hooks: SavedTensorHooks = {
    pack: () => {
      pending++;
      return packed++;
    },
    unpack: (i) => {
      slots ??= recompute();
      const t = slots[i as number]!;
      slots[i as number] = undefined;
      settle();
      return t;
    },
    discard: (i) => {
      slots?.[i as number]?.dispose();
      if (slots) slots[i as number] = undefined;
      settle();
    },
  };

  return tidy(() => withSavedTensorHooks(hooks, () => fn(...inputs)));
}
