import { FrugalError } from '../core/errors.js';
import type { LrSchedule } from './optimizer.js';

export interface WarmupScheduleOptions {
  peakLr: number;
  /** Steps of linear warmup from 0 to peakLr (default 0). */
  warmupSteps?: number;
  /** Step at which decay reaches minLr; later steps stay there. */
  totalSteps: number;
  decay?: 'linear' | 'cosine' | 'constant';
  minLr?: number;
}

/**
 * Linear warmup to peakLr, then linear or cosine decay to minLr at totalSteps. Step s uses
 * lr(s); warmup gives peakLr·(s+1)/warmupSteps so the first step is not wasted at lr 0.
 */
export function warmupSchedule(opts: WarmupScheduleOptions): LrSchedule {
  const { peakLr, warmupSteps = 0, totalSteps, decay = 'cosine', minLr = 0 } = opts;
  const op = 'warmupSchedule';
  if (!(peakLr >= 0) || !(minLr >= 0) || minLr > peakLr) {
    throw new FrugalError('E_ARG', `need 0 <= minLr <= peakLr, got ${minLr} and ${peakLr}`, {
      op,
      field: 'minLr',
    });
  }
  if (
    !Number.isInteger(warmupSteps) ||
    !Number.isInteger(totalSteps) ||
    warmupSteps < 0 ||
    totalSteps < warmupSteps
  ) {
    throw new FrugalError(
      'E_ARG',
      `need integers 0 <= warmupSteps <= totalSteps, got ${warmupSteps}, ${totalSteps}`,
      {
        op,
        field: 'totalSteps',
      },
    );
  }
  return (step) => {
    if (step < warmupSteps) return (peakLr * (step + 1)) / warmupSteps;
    if (decay === 'constant' || totalSteps === warmupSteps) return peakLr;
    const t = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
    const f = decay === 'linear' ? 1 - t : 0.5 * (1 + Math.cos(Math.PI * t));
    return minLr + (peakLr - minLr) * f;
  };
}
