/**
 * `npm run bench -- plan`: Mélange ILP solve time (HiGHS) for 4 GPU types, 6 x 6 buckets and slice
 * factor 8: Frugal's grouped formulation beside the paper's one-binary-per-slice form, on the
 * shipped example workloads and on seeded random profiles. Both reach the same optimum (checked).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { loadCatalog, loadProfile, loadWorkload } from '../src/plan/load.js';
import { type PlanOptions, planAllocation } from '../src/plan/planner.js';
import type { Catalog, Profile, Workload } from '../src/plan/schema.js';
import type { BenchContext } from './harness.js';
import { median } from './harness.js';

const examples = fileURLToPath(new URL('../examples/plan/', import.meta.url));

function randomCase(
  seed: number,
  catalog: Catalog,
  base: Workload,
): { workload: Workload; profile: Profile } {
  const rng = new Rng(seed);
  const workload = {
    ...base,
    rate: 8 + 56 * rng.uniform(),
    distribution: base.distribution.map((r) => r.map(() => rng.uniform())),
  };
  const rates: Record<string, number[][]> = {};
  catalog.gpus.forEach((g, t) => {
    rates[g.name] = base.distribution.map((r, i) =>
      r.map((_, j) => (t < 2 && i + j > 7 ? 0 : (g.pricePerHour * (0.5 + rng.uniform()) * 20) / (1 + i + j))),
    );
  });
  return {
    workload,
    profile: { slo: base.slo, inputBuckets: base.inputBuckets, outputBuckets: base.outputBuckets, rates },
  };
}

export default async function bench(ctx: BenchContext): Promise<void> {
  const catalog = loadCatalog(join(examples, 'catalog.yaml'));
  const profile = loadProfile(join(examples, 'profile.yaml'));
  const cases: { name: string; workload: Workload; profile: Profile }[] = ['chat', 'document', 'mixed'].map(
    (w) => ({
      name: `${w} 4 types 6x6 s8`,
      workload: loadWorkload(join(examples, `${w}.yaml`)),
      profile,
    }),
  );
  for (const seed of ctx.quick ? [1] : [1, 2, 3])
    cases.push({ name: `random#${seed} 4 types 6x6 s8`, ...randomCase(seed, catalog, cases[0]!.workload) });
  ctx.note(
    'Mélange ILP (HiGHS WASM, single thread): solve time per plan, median of reps; the first solve loads the solver and is not timed.',
  );
  await planAllocation(cases[0]!.workload, catalog, profile);
  for (const c of cases) {
    const costs: number[] = [];
    for (const [impl, formulation] of [
      ['frugal', 'grouped'],
      ['paper binary ILP', 'binary'],
    ] as const) {
      const opts: PlanOptions = { sliceFactor: 8, formulation, timeLimitS: 20 };
      const times: number[] = [];
      let cost = 0;
      for (let r = 0; r < ctx.reps; r++) {
        const plan = await planAllocation(c.workload, catalog, c.profile, opts);
        times.push(plan.solveMs);
        cost = plan.costPerHour;
        if (!plan.optimal) ctx.note(`${c.name} (${impl}): hit the 20 s time limit`);
      }
      costs.push(cost);
      ctx.emit({ case: c.name, impl, metric: 'solve_ms', value: median(times), unit: 'ms' });
    }
    if (Math.abs(costs[0]! - costs[1]!) > 1e-6)
      ctx.note(`WARNING ${c.name}: costs differ ${costs.join(' vs ')}`);
    ctx.emit({ case: c.name, impl: 'frugal', metric: 'cost', value: costs[0]!, unit: '$/h' });
  }
}
