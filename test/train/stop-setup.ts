import { tinyTask } from './tiny-task.js';

/** Options shared by the signalled child and the in-process runs it is compared with. */
export const STOP_OPTIONS = {
  seed: 5,
  // Far more steps than the child runs before its signal, so that it is always stopped mid-run.
  steps: 1_000_000,
  lr: 0.02,
  warmupSteps: 3,
  evalEvery: 50,
  progress: false,
} as const;

export function stopTestTask(crashAt?: number) {
  return tinyTask({ seed: 5, batch: 8, ...(crashAt === undefined ? {} : { crashAt }) });
}
