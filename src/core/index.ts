export { writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';
export {
  ERROR_CODES,
  type ErrorCode,
  FrugalError,
  type FrugalErrorDetails,
  isFrugalError,
} from './errors.js';
export { JsonlLog } from './log.js';
export { type LinePlot, renderLinePlotSvg, writeLinePlotSvg } from './plot.js';
export { type Progress, startProgress } from './progress.js';
export { Rng } from './rng.js';
export { median, percentile, timeMedian } from './timing.js';
