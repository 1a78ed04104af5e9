import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { loadCatalog, loadProfile, loadWorkload } from '../../src/plan/load.js';
import { profileFromModel } from '../../src/plan/model-profile.js';
import { capacityMatrix, planAllocation } from '../../src/plan/planner.js';
import { fleetFromPlan, simulateFleet } from '../../src/plan/simulate.js';
import { EXAMPLES } from './fixtures.js';

const catalog = loadCatalog(join(EXAMPLES, 'catalog.yaml'));
const profile = loadProfile(join(EXAMPLES, 'profile.yaml'));
const capacity = capacityMatrix(catalog, profile);

const cases = [
  ['chat', 16],
  ['document', 4],
  ['mixed', 12],
  ['mixed', 32],
] as const;

for (const [name, rate] of cases) {
  test(`the planned fleet for ${name} at ${rate} req/s meets the SLO for >= 99% of requests`, async () => {
    const workload = { ...loadWorkload(join(EXAMPLES, `${name}.yaml`)), rate };
    const plan = await planAllocation(workload, catalog, profile);
    const sim = simulateFleet(workload, fleetFromPlan(catalog, plan, capacity), { requests: 3000, seed: 5 });
    assert.ok(sim.attainment >= 0.99, `attainment ${sim.attainment}`);
    assert.ok(sim.met && sim.stable, `p99 TPOT ${sim.tpotMs.p99} ms, p99 TTFT ${sim.ttftMs.p99} ms`);
    assert.equal(sim.rejected, 0);
    assert.equal(
      sim.types.reduce((a, t) => a + t.requests, 0),
      3000,
    );
    for (const t of sim.types) if (t.count === 0) assert.equal(t.requests, 0);
  });
}

test('the same fleet under twice the traffic it was planned for breaks down', async () => {
  const workload = { ...loadWorkload(join(EXAMPLES, 'mixed.yaml')), rate: 12 };
  const plan = await planAllocation(workload, catalog, profile);
  const sim = simulateFleet({ ...workload, rate: 24 }, fleetFromPlan(catalog, plan, capacity), {
    requests: 3000,
    seed: 5,
  });
  assert.ok(!sim.stable || sim.attainment < 0.99, `attainment ${sim.attainment}, p99 TTFT ${sim.ttftMs.p99}`);
});

test('the same seed gives the same simulation', async () => {
  const workload = loadWorkload(join(EXAMPLES, 'chat.yaml'));
  const plan = await planAllocation(workload, catalog, profile);
  const fleet = fleetFromPlan(catalog, plan, capacity);
  const a = simulateFleet(workload, fleet, { requests: 500, seed: 9 });
  const b = simulateFleet(workload, fleet, { requests: 500, seed: 9 });
  assert.deepEqual(a, b);
});

test('simulating needs perf specs, and says which field is missing', async () => {
  const workload = loadWorkload(join(EXAMPLES, 'chat.yaml'));
  const bare = { gpus: catalog.gpus.map(({ perf: _perf, ...g }) => g) };
  const plan = await planAllocation(workload, bare, profile);
  assert.throws(
    () => fleetFromPlan(bare, plan, capacity),
    (e: unknown) => isFrugalError(e, 'E_CONFIG') && e.details.field === 'catalog.gpus.0.perf',
  );
});

test('model profiles: a bucket too long for the KV cache gets 0, faster GPUs get more', async () => {
  const grid = {
    inputBuckets: [[1, 128] as [number, number], [9000, 16000] as [number, number]],
    outputBuckets: [[64, 128] as [number, number]],
  };
  const slo = { tpotMs: 120, statistic: 'p99' as const };
  const p = await profileFromModel(catalog, grid, slo, {
    gpus: ['L4', 'H100-80G'],
    requests: 150,
    refineSteps: 3,
  });
  assert.equal(p.rates.L4![1]![0], 0, 'L4 holds about 15k KV tokens: a 9k-16k prompt does not fit');
  assert.ok(p.rates['H100-80G']![1]![0]! > 0);
  assert.ok(p.rates.L4![0]![0]! > 0);
  assert.ok(p.rates['H100-80G']![0]![0]! > p.rates.L4![0]![0]!);
});

test('on the example profile, short-context chat at 12 req/s is cheapest as a mix of GPU types', async () => {
  const workload = { ...loadWorkload(join(EXAMPLES, 'chat.yaml')), rate: 12 };
  const plan = await planAllocation(workload, catalog, profile);
  assert.ok(plan.gpus.filter((g) => g.count > 0).length >= 2, JSON.stringify(plan.gpus));
  assert.ok(plan.savingPercent! > 0, `saving ${plan.savingPercent}`);
  const sim = simulateFleet(workload, fleetFromPlan(catalog, plan, capacity), { requests: 3000, seed: 5 });
  assert.ok(sim.attainment >= 0.99 && sim.stable);
});
