/**
 * `frugal/search`: graph-based vector search — a Vamana-style index over f32 or int8 vectors with
 * classic best-first search and Speed-ANN intra-query parallel search, native when available.
 */
export {
  type ClusteredOptions,
  clusteredVectors,
  type GroundTruth,
  groundTruth,
  holdOutQueries,
  recallAtK,
} from './dataset.js';
export { readFvecs, type VectorFile, writeFvecs } from './fvecs.js';
export {
  type AddOptions,
  type IdType,
  type IndexOptions,
  type Label,
  type Quantization,
  VectorIndex,
} from './graph-index.js';
export { METRICS, type Metric } from './metric.js';
export { searchNativeStatus } from './native.js';
export { decodeIndex, encodeIndex, loadIndex, saveIndex } from './persist.js';
export type { SearchOptions, SearchResult, SearchStats } from './search-run.js';
