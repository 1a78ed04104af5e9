/** `frugal/plan`: Mélange, the minimum-cost heterogeneous GPU allocation planner. */
export { BatchEngine, type EngineRequest, newRequest } from './batch-engine.js';
export { type EmulatorOptions, type EmulatorServer, startEmulator } from './emulator-server.js';
export { formatPlan, formatSimReport, formatTable, stringifyData } from './format.js';
export {
  buildLp,
  ILP_FORMULATIONS,
  type IlpFormulation,
  type IlpInput,
  type IlpSolution,
  solveIlp,
} from './ilp.js';
export {
  checkCompatible,
  describeSlo,
  loadCatalog,
  loadProfile,
  loadWorkload,
  parseCatalog,
  parseProfile,
  parseWorkload,
} from './load.js';
export { type ModelProfileOptions, profileFromModel } from './model-profile.js';
export {
  type BucketRef,
  bucketRates,
  capacityMatrix,
  listBuckets,
  type Plan,
  type PlanOptions,
  planAllocation,
} from './planner.js';
export { measureRequest, profileServer, runTrial, type ServerProfileOptions } from './profiler.js';
export { findMaxRate, type RateSearchOptions } from './rate-search.js';
export type {
  Catalog,
  GpuPerf,
  GpuType,
  Profile,
  ServedModel,
  Slo,
  SloStatistic,
  Workload,
} from './schema.js';
export { rooflineModel, type ServiceModel } from './service-model.js';
export { type FleetSpec, fleetFromPlan, type SimOptions, type SimReport, simulateFleet } from './simulate.js';
export { evaluateSlo, type LatencyStats, type SloReport, summarize } from './slo.js';
export { MELANGE, type SweepRow, sweepRates, sweepTpot, writeSweepPlot } from './sweep.js';
