/** Small planner inputs shared by the plan tests. */
import { Rng } from '../../src/core/rng.js';
import type { Catalog, Profile, Workload } from '../../src/plan/schema.js';
import type { ServiceModel } from '../../src/plan/service-model.js';

export const EXAMPLES = new URL('../../examples/plan/', import.meta.url).pathname;

/** A random problem on an n x n bucket grid with the given GPU prices; some pairs cannot serve. */
export function randomProblem(seed: number, n: number, prices: readonly number[]) {
  const rng = new Rng(seed);
  const edges = Array.from({ length: n }, (_, i) => [2 ** (i + 4), 2 ** (i + 5)] as [number, number]);
  const slo = { tpotMs: 100, statistic: 'p99' as const };
  const workload: Workload = {
    name: `random-${seed}`,
    rate: 5 + 30 * rng.uniform(),
    slo,
    inputBuckets: edges,
    outputBuckets: edges,
    distribution: edges.map(() => edges.map(() => rng.uniform())),
  };
  const catalog: Catalog = { gpus: prices.map((p, t) => ({ name: `G${t}`, pricePerHour: p })) };
  const rates: Record<string, number[][]> = {};
  prices.forEach((p, t) => {
    rates[`G${t}`] = edges.map((_, i) =>
      edges.map((_, j) =>
        t > 0 && rng.uniform() < 0.2 ? 0 : (p * (0.5 + rng.uniform()) * 10) / (1 + i + j),
      ),
    );
  });
  const profile: Profile = { slo, inputBuckets: edges, outputBuckets: edges, rates };
  return { workload, catalog, profile };
}

/** A service model whose iteration time is linear in its arguments, for exact expectations. */
export function linearModel(
  opts: {
    baseS?: number;
    perSeqS?: number;
    perPrefillS?: number;
    kv?: number;
    chunk?: number;
    maxBatch?: number;
  } = {},
): ServiceModel {
  const { baseS = 0.01, perSeqS = 0.001, perPrefillS = 0.0001 } = opts;
  return {
    kvCapacityTokens: opts.kv ?? 100_000,
    maxBatch: opts.maxBatch ?? 64,
    prefillChunkTokens: opts.chunk ?? 256,
    stepTime: (batch, _context, prefill) => baseS + perSeqS * batch + perPrefillS * prefill,
  };
}
