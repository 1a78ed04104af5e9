import { loadNative, type NativeAddon } from '../backend/native/binding.js';

const USES = ['sgdStepF32', 'adamStepF32', 'lambStepF32'] as const;

/**
 * The addon when it carries the fused optimizer kernels; undefined when it is disabled, missing
 * or built from sources older than them (the optimizers then run their TypeScript loops).
 */
export function optimizerKernels(): NativeAddon | undefined {
  const native = loadNative();
  if (!native.available) return undefined;
  return USES.every((f) => typeof native.addon[f] === 'function') ? native.addon : undefined;
}
