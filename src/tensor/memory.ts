/**
 * The deterministic memory account: bytes of tensor storage allocated and not yet released.
 * Storage is released by `dispose()` (or a `tidy` scope), never by the garbage collector, so
 * the numbers are the same on every run and can measure memory optimizations.
 */
export interface MemoryInfo {
  /** Bytes of live tensor storage. */
  liveBytes: number;
  /** Highest liveBytes since start or the last resetPeak(). */
  peakBytes: number;
  /** Number of live storages (views share one). */
  liveStorages: number;
  /** Number of live tensor handles (views included). */
  liveTensors: number;
}

const account = { liveBytes: 0, peakBytes: 0, liveStorages: 0, liveTensors: 0 };

export function memoryInfo(): MemoryInfo {
  return { ...account };
}

/** Sets the high-water mark to the current live bytes and returns the old peak. */
export function resetPeakMemory(): number {
  const old = account.peakBytes;
  account.peakBytes = account.liveBytes;
  return old;
}

export function accountStorageAllocated(bytes: number): void {
  account.liveBytes += bytes;
  account.liveStorages++;
  if (account.liveBytes > account.peakBytes) account.peakBytes = account.liveBytes;
}

export function accountStorageReleased(bytes: number): void {
  account.liveBytes -= bytes;
  account.liveStorages--;
}

export function accountTensorHandle(delta: 1 | -1): void {
  account.liveTensors += delta;
}

/**
 * Runs `fn` and reports the peak of live bytes reached during it, relative to the bytes live
 * when it started (the extra memory `fn` needed at its worst moment).
 */
export function measurePeakMemory<T>(fn: () => T): { result: T; peakBytes: number; retainedBytes: number } {
  const start = account.liveBytes;
  const outerPeak = account.peakBytes;
  account.peakBytes = start;
  try {
    const result = fn();
    return { result, peakBytes: account.peakBytes - start, retainedBytes: account.liveBytes - start };
  } finally {
    account.peakBytes = Math.max(outerPeak, account.peakBytes);
  }
}
