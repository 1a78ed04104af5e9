import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { type EmulatorServer, startEmulator } from '../../src/plan/emulator-server.js';
import { measureRequest, profileServer } from '../../src/plan/profiler.js';
import { linearModel } from './fixtures.js';

// Two emulated GPUs: iteration time 10 + 1 B ms (fast) and 20 + 2 B ms (slow) for B sequences.
let fast: EmulatorServer;
let slow: EmulatorServer;
before(async () => {
  fast = await startEmulator({
    model: linearModel({ baseS: 0.01, perSeqS: 0.001, perPrefillS: 1e-6 }),
    modelName: 'm',
  });
  slow = await startEmulator({
    model: linearModel({ baseS: 0.02, perSeqS: 0.002, perPrefillS: 2e-6 }),
    modelName: 'm',
  });
});
after(async () => {
  await fast.close();
  await slow.close();
});

test('a streamed request is timed from its SSE chunks (completions and chat)', async () => {
  for (const api of ['completions', 'chat'] as const) {
    const r = await measureRequest({ baseUrl: fast.url, model: 'm', api }, 20, 12);
    assert.ok(r.ttftMs > 0 && Number.isFinite(r.tpotMs) && r.tpotMs > 0, JSON.stringify(r));
  }
});

test('the profiler finds higher sustainable rates on the faster GPU, and fewer for longer outputs', async () => {
  const grid = {
    inputBuckets: [[4, 8] as [number, number]],
    outputBuckets: [
      [8, 16],
      [24, 32],
    ] as [number, number][],
  };
  // The median and generous margins keep event-loop jitter on a busy machine from deciding.
  const slo = { tpotMs: 40, statistic: 'p50' as const };
  const opts = {
    model: 'm',
    slo,
    requestsPerTrial: 20,
    minTrialS: 1,
    maxTtftMs: 1000,
    startRate: 8,
    maxRate: 128,
    refineSteps: 1,
    seed: 3,
  };
  const pf = await profileServer({ ...opts, grid, baseUrl: fast.url, gpu: 'fast' });
  const short = { ...grid, outputBuckets: grid.outputBuckets.slice(0, 1) };
  const ps = await profileServer({ ...opts, grid: short, baseUrl: slow.url, gpu: 'slow' });
  const f = pf.rates.fast![0]!;
  const s = ps.rates.slow![0]!;
  assert.ok(s[0]! > 0, `slow: ${s}`);
  assert.ok(f[0]! > s[0]!, `fast ${f} vs slow ${s}`);
  assert.ok(f[0]! >= f[1]!, `fast: ${f}`);
  assert.deepEqual(pf.slo, slo);
});

test('an unreachable server is a FrugalError naming the URL', async () => {
  await assert.rejects(
    measureRequest({ baseUrl: 'http://127.0.0.1:9', model: 'm', requestTimeoutMs: 2000 }, 4, 4),
    (e: unknown) => isFrugalError(e, 'E_IO') && e.message.includes('127.0.0.1:9'),
  );
});
