/**
 * The addon's quantization kernels when native dispatch is on (the addon loaded and not switched
 * off by FRUGAL_NATIVE=0 or useBackend('reference')); undefined means: run the TypeScript path.
 */
import { loadNative, type NativeAddon } from '../backend/native/binding.js';
import { isBackendActive } from '../backend/registry.js';

export function quantAddon(): NativeAddon | undefined {
  const load = loadNative();
  if (!load.available || !isBackendActive('native')) return undefined;
  return typeof load.addon.gemmPacked === 'function' ? load.addon : undefined;
}
