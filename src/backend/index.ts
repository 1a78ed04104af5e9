/** `frugal/backend`: backend selection, status and the native engine's controls. */
export { type EngineReport, engineReport } from './engine-report.js';
export { loadNative, type NativeAddon, type NativeLoad } from './native/binding.js';
export {
  type BackendStatus,
  backendStatus,
  dispatchCounts,
  registerBackend,
  resetDispatchCounts,
  useBackend,
} from './registry.js';
export { getNumThreads, measureFmaPeak, setNumThreads } from './threads.js';
export type { Backend, Kernel, KernelTable, OpArgs, OpName } from './types.js';
