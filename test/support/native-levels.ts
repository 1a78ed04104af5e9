/** ISA levels the native addon can run on this CPU, for tests that cover every dispatch path. */
import { loadNative } from '../../src/backend/native/binding.js';

const native = loadNative();

export function nativeIsaLevels(): string[] {
  if (!native.available) return [];
  const info = native.addon.cpuInfo();
  const order = ['avx512', 'avx2', 'scalar'];
  return order.slice(order.indexOf(info.level));
}

/** Forces a lower ISA level (undefined restores the detected one). */
export function setNativeIsa(level: string | undefined): void {
  if (!native.available) return;
  native.addon.setIsaMax(level ?? 'avx512');
}
