import { FrugalError } from '../core/errors.js';
import { loadNative } from './native/binding.js';

/** Threads the native kernels use (1 on the reference backend, which is single-threaded). */
export function getNumThreads(): number {
  const native = loadNative();
  return native.available ? native.addon.getThreads() : 1;
}

/** Sets the native thread-pool size (default: FRUGAL_THREADS, else the number of cores). */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new FrugalError('E_ARG', `thread count must be an integer in [1, 1024], got ${n}`, {
      op: 'setNumThreads',
    });
  }
  const native = loadNative();
  return native.available ? native.addon.setThreads(n) : 1;
}

/** The FMA peak of this machine in GFLOP/s, measured by a native loop; undefined without the addon. */
export function measureFmaPeak(threads: number, milliseconds = 200): number | undefined {
  const native = loadNative();
  return native.available ? native.addon.fmaPeak(threads, milliseconds) : undefined;
}
