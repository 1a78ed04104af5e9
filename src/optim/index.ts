/** `frugal/optim`: optimizers, learning-rate schedules, clipping and gradient accumulation. */
export { GradientAccumulation } from './accumulate.js';
export { Adam, type AdamOptions, AdamW } from './adam.js';
export { clipGradNorm, globalGradNorm } from './clip.js';
export { LAMB } from './lamb.js';
export { type LrSchedule, Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';
export { type WarmupScheduleOptions, warmupSchedule } from './schedule.js';
export { SGD, type SgdOptions } from './sgd.js';
