/**
 * The planner: turns (workload, catalog, profile) into Mélange's ILP, solves it, and sets the
 * result beside the cheapest single-GPU-type allocation.
 */
import { performance } from 'node:perf_hooks';
import { FrugalError } from '../core/errors.js';
import { type IlpFormulation, loadSolver, solveIlp } from './ilp.js';
import { checkCompatible, describeSlo } from './load.js';
import type { Catalog, Profile, Workload } from './schema.js';

export const DEFAULT_HEADROOM = 0.1;

export interface BucketRef {
  index: number;
  input: readonly [number, number];
  output: readonly [number, number];
  label: string;
}

export interface PlanOptions {
  /** Slices per bucket (the paper's slice factor). */
  sliceFactor?: number;
  timeLimitS?: number;
  formulation?: IlpFormulation;
  /**
   * Fraction of each profiled rate held back; default 0.1, and 0 plans to the profile's edge as the
   * paper does. Profiled rates are measured one bucket at a time near saturation, and mixing buckets
   * on one GPU is not perfectly additive: in simulation, edge plans kept TPOT but some let queues grow.
   */
  headroom?: number;
}

export interface TypeAllocation {
  name: string;
  count: number;
  pricePerHour: number;
  costPerHour: number;
  /** Sum over assigned slices of rate / profiled rate: GPUs' worth of work. */
  load: number;
}

export interface SingleTypeAllocation {
  name: string;
  /** Null when this type cannot serve some bucket with traffic. */
  count: number | null;
  costPerHour: number | null;
}

export interface Plan {
  workload: string;
  rate: number;
  slo: string;
  sliceFactor: number;
  headroom: number;
  costPerHour: number;
  /** False when the solver's time limit ended the search before optimality was proven. */
  optimal: boolean;
  gpus: TypeAllocation[];
  slices: { bucket: string; rate: number; gpu: string }[];
  /** split[b][t]: fraction of bucket b's traffic sent to type t (for routing). */
  split: number[][];
  singleType: SingleTypeAllocation[];
  bestSingle: { name: string; count: number; costPerHour: number } | null;
  /** Saving of the plan against the best single type, percent. */
  savingPercent: number | null;
  solveMs: number;
}

export function listBuckets(w: Pick<Workload, 'inputBuckets' | 'outputBuckets'>): BucketRef[] {
  const out: BucketRef[] = [];
  w.inputBuckets.forEach((inp, i) => {
    w.outputBuckets.forEach((o, j) => {
      out.push({
        index: i * w.outputBuckets.length + j,
        input: inp,
        output: o,
        label: `in[${inp[0]},${inp[1]})xout[${o[0]},${o[1]})`,
      });
    });
  });
  return out;
}

/** Per-bucket request rate: the total rate times the normalized distribution. */
export function bucketRates(w: Workload): number[] {
  const flat = w.distribution.flat();
  const total = flat.reduce((a, b) => a + b, 0);
  return flat.map((v) => (w.rate * v) / total);
}

/** capacity[t][b] in catalog order. */
export function capacityMatrix(catalog: Catalog, profile: Profile): number[][] {
  return catalog.gpus.map((g) => profile.rates[g.name]!.flat());
}

export async function planAllocation(
  workload: Workload,
  catalog: Catalog,
  profile: Profile,
  opts: PlanOptions = {},
): Promise<Plan> {
  checkCompatible(workload, catalog, profile);
  const sliceFactor = opts.sliceFactor ?? 8;
  if (!Number.isInteger(sliceFactor) || sliceFactor < 1)
    throw new FrugalError('E_ARG', `slice factor must be a positive integer, got ${sliceFactor}`, {
      field: 'sliceFactor',
    });
  const buckets = listBuckets(workload);
  const rates = bucketRates(workload);
  const headroom = opts.headroom ?? DEFAULT_HEADROOM;
  if (!(headroom >= 0 && headroom < 1))
    throw new FrugalError('E_ARG', `headroom must be in [0, 1), got ${headroom}`, { field: 'headroom' });
  const capacity = capacityMatrix(catalog, profile).map((row) => row.map((c) => c * (1 - headroom)));
  const slices = buckets.flatMap((b) =>
    rates[b.index]! > 0
      ? Array.from({ length: sliceFactor }, () => ({ bucket: b.index, rate: rates[b.index]! / sliceFactor }))
      : [],
  );
  await loadSolver();
  const t0 = performance.now();
  const sol = await solveIlp({
    types: catalog.gpus,
    slices,
    capacity,
    bucketLabel: (b) => buckets[b]!.label,
    formulation: opts.formulation ?? 'grouped',
    ...(opts.timeLimitS !== undefined ? { timeLimitS: opts.timeLimitS } : {}),
  });
  const solveMs = performance.now() - t0;

  const load = catalog.gpus.map(() => 0);
  const split = buckets.map(() => catalog.gpus.map(() => 0));
  slices.forEach((s, i) => {
    const t = sol.assignment[i]!;
    load[t]! += s.rate / capacity[t]![s.bucket]!;
    split[s.bucket]![t]! += s.rate / rates[s.bucket]!;
  });
  const singleType = catalog.gpus.map((g, t) => singleTypeAllocation(g, capacity[t]!, rates));
  const feasible = singleType.filter((s) => s.costPerHour !== null);
  const best = feasible.sort((a, b) => a.costPerHour! - b.costPerHour!)[0];
  const bestSingle = best ? { name: best.name, count: best.count!, costPerHour: best.costPerHour! } : null;
  return {
    workload: workload.name,
    rate: workload.rate,
    slo: describeSlo(workload.slo),
    sliceFactor,
    headroom,
    costPerHour: sol.cost,
    optimal: sol.optimal,
    gpus: catalog.gpus.map((g, t) => ({
      name: g.name,
      count: sol.counts[t]!,
      pricePerHour: g.pricePerHour,
      costPerHour: sol.counts[t]! * g.pricePerHour,
      load: load[t]!,
    })),
    slices: slices.map((s, i) => ({
      bucket: buckets[s.bucket]!.label,
      rate: s.rate,
      gpu: catalog.gpus[sol.assignment[i]!]!.name,
    })),
    split,
    singleType,
    bestSingle,
    savingPercent: bestSingle ? (100 * (bestSingle.costPerHour - sol.cost)) / bestSingle.costPerHour : null,
    solveMs,
  };
}

/** With one type every slice lands on it, so the ILP reduces to ceil(total load). */
function singleTypeAllocation(
  g: Catalog['gpus'][number],
  capacity: readonly number[],
  rates: readonly number[],
): SingleTypeAllocation {
  let load = 0;
  for (let b = 0; b < rates.length; b++) {
    if (rates[b]! === 0) continue;
    if (!(capacity[b]! > 0)) return { name: g.name, count: null, costPerHour: null };
    load += rates[b]! / capacity[b]!;
  }
  const count = Math.max(1, Math.ceil(load - 1e-9));
  if (g.available !== undefined && count > g.available)
    return { name: g.name, count: null, costPerHour: null };
  return { name: g.name, count, costPerHour: count * g.pricePerHour };
}
