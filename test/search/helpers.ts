import { clusteredVectors, groundTruth } from '../../src/search/dataset.js';
import type { Metric } from '../../src/search/metric.js';

/** A small seeded clustered data set with queries and exact top-10 (shared by the search tests). */
export function smallData(n = 3000, dim = 24, metric: Metric = 'l2') {
  const data = clusteredVectors({ n, dim, clusters: 20, seed: 0 });
  const queries = clusteredVectors({ n: 100, dim, clusters: 20, seed: 1 });
  return { data, queries, dim, truth: groundTruth(data, queries, dim, 10, metric) };
}
