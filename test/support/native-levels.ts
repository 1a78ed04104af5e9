/** ISA levels the native addon can run on this CPU, for tests that cover every dispatch path. */
import { ISA_LEVELS, type IsaLevel, loadNative } from '../../src/backend/native/binding.js';

const native = loadNative();

export function nativeIsaLevels(): IsaLevel[] {
  if (!native.available) return [];
  return ISA_LEVELS.slice(ISA_LEVELS.indexOf(native.addon.cpuInfo().detected));
}

/** Forces a lower ISA level (undefined restores the detected one). */
export function setNativeIsa(level: IsaLevel | undefined): void {
  if (!native.available) return;
  native.addon.setIsaMax(level ?? 'avx512');
}
