/**
 * Profiles GPUs without hardware: the same search `frugal plan profile` runs against a server
 * (Poisson arrivals of one bucket at a time, highest rate meeting the SLO), run instead against the
 * simulated service model of each GPU. The result is consistent with the simulator by construction.
 */
import { type Progress, startProgress } from '../core/progress.js';
import { listBuckets } from './planner.js';
import { findMaxRate } from './rate-search.js';
import type { Catalog, Profile, Slo, Workload } from './schema.js';
import { serviceModelFor, simulateFleet } from './simulate.js';

export interface ModelProfileOptions {
  /** Requests per trial (at least; see minDurationS). */
  requests?: number;
  /** Each trial spans at least this much simulated time, so that a slow overload shows as a queue. */
  minDurationS?: number;
  seed?: number;
  refineSteps?: number;
  /** Only these GPU types (default: all in the catalog). */
  gpus?: readonly string[];
  progress?: boolean;
  /**
   * A TPOT-only SLO says nothing about waiting, so a GPU past its throughput would still "pass" with
   * an ever-growing queue. A rate counts as sustained only if p99 TTFT stays below this (ms), the
   * same rule `frugal plan profile --url` applies to a live server.
   */
  maxTtftMs?: number;
}

export async function profileFromModel(
  catalog: Catalog,
  grid: Pick<Workload, 'inputBuckets' | 'outputBuckets'>,
  slo: Slo,
  opts: ModelProfileOptions = {},
): Promise<Profile> {
  const names = opts.gpus ?? catalog.gpus.map((g) => g.name);
  const buckets = listBuckets(grid);
  const bar: Progress = opts.progress
    ? startProgress('profiling (model)', names.length * buckets.length)
    : { update() {}, stop() {} };
  const rates: Record<string, number[][]> = {};
  const maxTtftMs = opts.maxTtftMs ?? 5000;
  const minRequests = opts.requests ?? 400;
  const minDurationS = opts.minDurationS ?? 60;
  let done = 0;
  for (const name of names) {
    const model = serviceModelFor(catalog, name);
    const m = grid.inputBuckets.map(() => grid.outputBuckets.map(() => 0));
    for (const b of buckets) {
      const i = Math.floor(b.index / grid.outputBuckets.length);
      const j = b.index % grid.outputBuckets.length;
      if (b.input[1] - 1 + b.output[1] - 1 <= model.kvCapacityTokens) {
        const trial = (rate: number) => {
          const w: Workload = {
            name: b.label,
            rate,
            slo,
            inputBuckets: [b.input as [number, number]],
            outputBuckets: [b.output as [number, number]],
            distribution: [[1]],
          };
          const fleet = { types: [{ name, count: 1, model }], split: [[1]], capacity: [[1]] };
          const requests = Math.min(20000, Math.max(minRequests, Math.ceil(rate * minDurationS)));
          const r = simulateFleet(w, fleet, { requests, seed: opts.seed ?? 7 });
          return r.met && r.rejected === 0 && r.ttftMs.p99 <= maxTtftMs;
        };
        const res = await findMaxRate(trial, { refineSteps: opts.refineSteps ?? 6, minRate: 0.005 });
        m[i]![j] = Number(res.rate.toPrecision(3));
      }
      bar.update(++done);
    }
    rates[name] = m;
  }
  bar.stop();
  return {
    source: `frugal plan profile --sim: simulated roofline service model (${catalog.servedModel?.name ?? 'model'}), at least ${minRequests} requests and ${minDurationS} s per trial, p99 TTFT <= ${maxTtftMs} ms, seed ${opts.seed ?? 7}`,
    slo,
    inputBuckets: grid.inputBuckets,
    outputBuckets: grid.outputBuckets,
    rates,
  };
}
