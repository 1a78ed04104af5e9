import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { buildLp } from '../../src/plan/ilp.js';
import { bucketRates, capacityMatrix, planAllocation } from '../../src/plan/planner.js';
import type { Catalog, Profile, Workload } from '../../src/plan/schema.js';
import { randomProblem } from './fixtures.js';

/** Exhaustive optimum: every assignment of slices to types, each type bought as ceil(load). */
function bruteForce(w: Workload, c: Catalog, p: Profile, sliceFactor: number): number {
  const rates = bucketRates(w);
  const cap = capacityMatrix(c, p);
  const slices = rates.flatMap((r, b) =>
    r > 0 ? Array.from({ length: sliceFactor }, () => ({ b, r: r / sliceFactor })) : [],
  );
  let best = Number.POSITIVE_INFINITY;
  const load = c.gpus.map(() => 0);
  const rec = (i: number) => {
    if (i === slices.length) {
      const cost = load.reduce((a, l, t) => a + Math.ceil(l - 1e-9) * c.gpus[t]!.pricePerHour, 0);
      best = Math.min(best, cost);
      return;
    }
    const s = slices[i]!;
    for (let t = 0; t < c.gpus.length; t++) {
      const k = cap[t]![s.b]!;
      if (k <= 0) continue;
      load[t]! += s.r / k;
      rec(i + 1);
      load[t]! -= s.r / k;
    }
  };
  rec(0);
  return best;
}

test('the ILP optimum equals exhaustive search on small problems', async () => {
  for (let seed = 1; seed <= 5; seed++) {
    const { workload, catalog, profile } = randomProblem(seed, 2, [1, 2.2, 3.7]);
    workload.distribution[1]![1] = 0; // 3 buckets x 2 slices x 3 types: 729 assignments
    const plan = await planAllocation(workload, catalog, profile, { sliceFactor: 2, headroom: 0 });
    const expected = bruteForce(workload, catalog, profile, 2);
    assert.ok(
      Math.abs(plan.costPerHour - expected) < 1e-9,
      `seed ${seed}: ILP ${plan.costPerHour}, exhaustive ${expected}`,
    );
  }
});

test("the grouped and the paper's binary formulation reach the same cost", async () => {
  for (const seed of [11, 12]) {
    const { workload, catalog, profile } = randomProblem(seed, 3, [0.7, 1.0, 3.7, 7.5]);
    const a = await planAllocation(workload, catalog, profile, { formulation: 'grouped', headroom: 0 });
    const b = await planAllocation(workload, catalog, profile, { formulation: 'binary', headroom: 0 });
    assert.ok(
      Math.abs(a.costPerHour - b.costPerHour) < 1e-9,
      `seed ${seed}: ${a.costPerHour} vs ${b.costPerHour}`,
    );
  }
});

test('a plan keeps every type within its GPUs, assigns every slice, and never beats exhaustive single types', async () => {
  const { workload, catalog, profile } = randomProblem(21, 6, [0.7, 1.01, 3.67, 7.52]);
  const plan = await planAllocation(workload, catalog, profile, { sliceFactor: 8, headroom: 0.1 });
  const cap = capacityMatrix(catalog, profile);
  const rates = bucketRates(workload);
  assert.equal(plan.slices.length, 8 * rates.filter((r) => r > 0).length);
  const load = new Map<string, number>();
  const labels = workload.inputBuckets.flatMap((i) =>
    workload.outputBuckets.map((o) => `in[${i[0]},${i[1]})xout[${o[0]},${o[1]})`),
  );
  for (const s of plan.slices) {
    const t = catalog.gpus.findIndex((g) => g.name === s.gpu);
    const c = cap[t]![labels.indexOf(s.bucket)]! * 0.9;
    assert.ok(c > 0, `slice of ${s.bucket} sent to ${s.gpu}, which cannot serve it`);
    load.set(s.gpu, (load.get(s.gpu) ?? 0) + s.rate / c);
  }
  for (const g of plan.gpus) {
    assert.ok(Math.abs((load.get(g.name) ?? 0) - g.load) < 1e-9);
    assert.ok(g.load <= g.count + 1e-6, `${g.name}: load ${g.load} on ${g.count} GPUs`);
  }
  plan.split.forEach((row, b) => {
    if (rates[b]! > 0) assert.ok(Math.abs(row.reduce((a, v) => a + v, 0) - 1) < 1e-9);
  });
  assert.ok(plan.bestSingle);
  assert.ok(plan.costPerHour <= plan.bestSingle.costPerHour + 1e-9);
  const expected = (100 * (plan.bestSingle.costPerHour - plan.costPerHour)) / plan.bestSingle.costPerHour;
  assert.ok(Math.abs(plan.savingPercent! - expected) < 1e-9);
  for (const s of plan.singleType) {
    if (s.costPerHour !== null) assert.ok(plan.bestSingle.costPerHour <= s.costPerHour);
  }
});

test('a bucket only one type serves goes to that type; one no type serves is named', async () => {
  const { workload, catalog, profile } = randomProblem(31, 2, [1, 3]);
  profile.rates.G0![1]![1] = 0;
  profile.rates.G1![1]![1] = 5;
  const plan = await planAllocation(workload, catalog, profile, { headroom: 0 });
  for (const s of plan.slices.filter((x) => x.bucket === 'in[32,64)xout[32,64)')) assert.equal(s.gpu, 'G1');
  assert.ok(
    !buildLp({
      types: catalog.gpus,
      slices: [{ bucket: 3, rate: 1 }],
      capacity: [
        [1, 1, 1, 0],
        [1, 1, 1, 5],
      ],
      bucketLabel: String,
    }).includes('x0_0'),
  );
  profile.rates.G1![1]![1] = 0;
  await assert.rejects(
    planAllocation(workload, catalog, profile),
    (e: unknown) => isFrugalError(e, 'E_INFEASIBLE') && e.message.includes('in[32,64)xout[32,64)'),
  );
  workload.distribution[1]![1] = 0; // no traffic there: nothing to serve, so it plans again
  await planAllocation(workload, catalog, profile);
});

test('availability limits are respected, and an impossible limit is reported', async () => {
  const { workload, catalog, profile } = randomProblem(41, 3, [0.7, 3.7]);
  const free = await planAllocation(workload, catalog, profile, { headroom: 0 });
  const g0 = free.gpus[0]!.count;
  assert.ok(g0 > 1, 'the cheap type should be used more than once');
  const limited: Catalog = { gpus: [{ ...catalog.gpus[0]!, available: g0 - 1 }, catalog.gpus[1]!] };
  const plan = await planAllocation(workload, limited, profile, { headroom: 0 });
  assert.ok(plan.gpus[0]!.count <= g0 - 1);
  assert.ok(plan.costPerHour >= free.costPerHour);
  const none: Catalog = { gpus: catalog.gpus.map((g) => ({ ...g, available: 0 })) };
  await assert.rejects(planAllocation(workload, none, profile), (e: unknown) =>
    isFrugalError(e, 'E_INFEASIBLE'),
  );
});

test('bad options are refused', async () => {
  const { workload, catalog, profile } = randomProblem(51, 2, [1]);
  await assert.rejects(planAllocation(workload, catalog, profile, { sliceFactor: 0 }), (e: unknown) =>
    isFrugalError(e, 'E_ARG'),
  );
  await assert.rejects(planAllocation(workload, catalog, profile, { headroom: 1 }), (e: unknown) =>
    isFrugalError(e, 'E_ARG'),
  );
});
