/**
 * Discrete-event simulation of a planned fleet. Poisson arrivals are drawn from the workload
 * (bucket by the distribution, lengths uniform inside the bucket). A router sends each request to a
 * GPU type in the plan's per-bucket proportions (smooth weighted round robin), then to the GPU of
 * that type with the least load assigned so far, a request of bucket b weighing 1 / (profiled rate
 * of b): each GPU then carries its type's load / count, which the plan keeps within its profiled
 * capacity. (Routing by current outstanding work instead let some GPUs' queues grow in simulation.)
 * Each GPU is a {@link BatchEngine}.
 */
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { BatchEngine, type EngineRequest, newRequest } from './batch-engine.js';
import { bucketRates, listBuckets, type Plan } from './planner.js';
import type { Catalog, Workload } from './schema.js';
import { rooflineModel, type ServiceModel } from './service-model.js';
import { evaluateSlo, type RequestLatency, type SloReport } from './slo.js';

export interface FleetSpec {
  types: { name: string; count: number; model: ServiceModel }[];
  /** split[b][t]: fraction of bucket b's traffic routed to type t. */
  split: readonly (readonly number[])[];
  /** capacity[t][b]: profiled rate, used to weigh each request's load. */
  capacity: readonly (readonly number[])[];
}

export interface SimOptions {
  requests?: number;
  seed?: number;
  /** Leading fraction of requests left out of the statistics (queues filling up). */
  warmupFraction?: number;
  /** Stability bound on p99 TTFT, milliseconds (the profilers' rule). */
  maxTtftMs?: number;
}

export interface SimReport extends SloReport {
  rejected: number;
  /** Whether p99 TTFT stayed within `maxTtftMs`: a fleet past its throughput shows as a growing queue. */
  stable: boolean;
  types: {
    name: string;
    count: number;
    requests: number;
    utilization: number;
    attainment: number;
    ttftP99Ms: number;
  }[];
}

interface Gpu {
  type: number;
  engine: BatchEngine;
  t: number;
  assigned: number;
  served: number;
}

export function simulateFleet(workload: Workload, fleet: FleetSpec, opts: SimOptions = {}): SimReport {
  const n = opts.requests ?? 4000;
  const rng = new Rng(opts.seed ?? 1);
  const buckets = listBuckets(workload);
  const rates = bucketRates(workload);
  const cdf: number[] = [];
  rates.reduce((acc, r, i) => (cdf[i] = acc + r / workload.rate), 0);
  const gpus: Gpu[] = fleet.types.flatMap((ty, t) =>
    Array.from({ length: ty.count }, () => ({
      type: t,
      engine: new BatchEngine(ty.model),
      t: 0,
      assigned: 0,
      served: 0,
    })),
  );
  const rr = buckets.map(() => fleet.types.map(() => 0));
  const advance = (g: Gpu, until: number) => {
    while (g.t < until) {
      const res = g.engine.step(g.t);
      if (!res) {
        g.t = until;
        return;
      }
      g.t += res.duration;
    }
  };
  const requests: EngineRequest[] = [];
  const typeOf = new Int32Array(n);
  let now = 0;
  for (let id = 0; id < n; id++) {
    now += rng.exponential(workload.rate);
    const u = rng.uniform();
    let b = cdf.findIndex((c) => u < c);
    // Rounding can leave the cdf's end a hair below 1: fall back to the last bucket with traffic.
    while (b < 0 || rates[b] === 0) b = (b < 0 ? rates.length : b) - 1;
    const bucket = buckets[b]!;
    const req = newRequest(id, now, uniformInt(rng, bucket.input), uniformInt(rng, bucket.output));
    requests.push(req);
    const t = routeType(rr[b]!, fleet.split[b]!);
    let best: Gpu | undefined;
    for (const g of gpus) {
      if (g.type !== t) continue;
      if (!best || g.assigned < best.assigned) best = g;
    }
    if (!best)
      throw new FrugalError(
        'E_CONFIG',
        `bucket ${bucket.label} is routed to ${fleet.types[t]?.name}, which has no GPUs`,
        {
          op: 'simulate',
          hint: 'simulate the allocation the planner returned',
        },
      );
    typeOf[id] = t;
    best.assigned += 1 / fleet.capacity[t]![b]!;
    advance(best, now);
    best.served++;
    best.engine.submit(req);
  }
  for (const g of gpus) advance(g, Number.POSITIVE_INFINITY);
  const end = Math.max(
    now,
    ...gpus.map((g) => (Number.isFinite(g.t) ? g.t : 0)),
    ...requests.map((r) => r.doneAt),
  );
  const measured = requests.slice(Math.floor(n * (opts.warmupFraction ?? 0.1)));
  const report = evaluateSlo(measured.map(latencyOf), workload.slo);
  return {
    ...report,
    rejected: requests.filter((r) => r.rejected).length,
    stable: report.ttftMs.p99 <= (opts.maxTtftMs ?? 5000),
    types: fleet.types.map((ty, t) => {
      const mine = gpus.filter((g) => g.type === t);
      const busy = mine.reduce((a, g) => a + g.engine.busyTime, 0);
      const own = evaluateSlo(measured.filter((r) => typeOf[r.id] === t).map(latencyOf), workload.slo);
      return {
        name: ty.name,
        count: ty.count,
        requests: mine.reduce((a, g) => a + g.served, 0),
        utilization: mine.length ? busy / (mine.length * end) : 0,
        attainment: own.attainment,
        ttftP99Ms: own.ttftMs.p99,
      };
    }),
  };
}

/** Builds the fleet a plan asks for, with roofline service models from the catalog's perf specs. */
export function fleetFromPlan(
  catalog: Catalog,
  plan: Pick<Plan, 'gpus' | 'split'>,
  capacity: number[][],
): FleetSpec {
  return {
    types: plan.gpus.map((g) => ({ name: g.name, count: g.count, model: serviceModelFor(catalog, g.name) })),
    split: plan.split,
    capacity,
  };
}

export function serviceModelFor(catalog: Catalog, gpu: string): ServiceModel {
  const i = catalog.gpus.findIndex((g) => g.name === gpu);
  const perf = catalog.gpus[i]?.perf;
  if (!perf || !catalog.servedModel)
    throw new FrugalError('E_CONFIG', `simulating ${gpu} needs its performance spec and the served model`, {
      field: perf ? 'catalog.servedModel' : `catalog.gpus.${i}.perf`,
      hint: 'add memoryGB, bandwidthGBs and tflops (see examples/plan/catalog.yaml)',
    });
  return rooflineModel(perf, catalog.servedModel, gpu);
}

function latencyOf(r: EngineRequest): RequestLatency {
  const inf = Number.POSITIVE_INFINITY;
  if (r.rejected || r.doneAt < 0) return { ttftMs: inf, tpotMs: inf, queueMs: inf };
  const ttftMs = (r.firstTokenAt - r.arrival) * 1000;
  const tpotMs = r.output > 1 ? ((r.doneAt - r.firstTokenAt) * 1000) / (r.output - 1) : 0;
  return { ttftMs, tpotMs, queueMs: (r.admittedAt - r.arrival) * 1000 };
}

const uniformInt = (rng: Rng, [lo, hi]: readonly [number, number]): number => lo + rng.int(hi - lo);

/** Smooth weighted round robin: exact long-run proportions, no randomness. */
function routeType(credit: number[], weights: readonly number[]): number {
  let best = -1;
  for (let t = 0; t < weights.length; t++) {
    credit[t]! += weights[t]!;
    if (weights[t]! > 0 && (best < 0 || credit[t]! > credit[best]!)) best = t;
  }
  if (best >= 0) credit[best]! -= 1;
  return best;
}
