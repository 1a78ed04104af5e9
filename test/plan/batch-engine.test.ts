import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchEngine, newRequest } from '../../src/plan/batch-engine.js';
import { linearModel } from './fixtures.js';

function drain(engine: BatchEngine, start = 0): number {
  let t = start;
  for (let r = engine.step(t); r; r = engine.step(t)) t += r.duration;
  return t;
}

test('a lone request: one prefill iteration, then one decode iteration per token', () => {
  const engine = new BatchEngine(
    linearModel({ baseS: 0.01, perSeqS: 0.001, perPrefillS: 0.0001, chunk: 256 }),
  );
  const r = newRequest(0, 0, 100, 5);
  engine.submit(r);
  const end = drain(engine);
  assert.ok(Math.abs(r.firstTokenAt - 0.02) < 1e-12, `first token at ${r.firstTokenAt}`);
  assert.ok(Math.abs(r.doneAt - (0.02 + 4 * 0.011)) < 1e-12, `done at ${r.doneAt}`);
  assert.equal(r.generated, 5);
  assert.equal(end, r.doneAt);
  assert.ok(engine.idle);
});

test('chunked prefill: a long prompt takes ceil(input / chunk) iterations', () => {
  const engine = new BatchEngine(linearModel({ baseS: 0.01, perSeqS: 0, perPrefillS: 0, chunk: 64 }));
  const r = newRequest(0, 0, 200, 1);
  engine.submit(r);
  drain(engine);
  assert.ok(Math.abs(r.firstTokenAt - 4 * 0.01) < 1e-12);
});

test('requests that overflow the KV cache are preempted, recomputed and still finish exactly', () => {
  const engine = new BatchEngine(linearModel({ kv: 60, maxBatch: 8 }));
  const reqs = [0, 1, 2].map((i) => newRequest(i, 0, 10, 40));
  for (const r of reqs) engine.submit(r);
  drain(engine);
  assert.ok(engine.preemptions > 0, 'the cache is too small for three sequences to finish together');
  for (const r of reqs) {
    assert.equal(r.generated, 40);
    assert.ok(r.doneAt > r.firstTokenAt && r.firstTokenAt > 0);
    assert.equal(r.held, 0);
  }
  const tooLong = newRequest(3, 0, 50, 20);
  engine.submit(tooLong);
  assert.ok(tooLong.rejected);
  assert.ok(engine.idle);
});

test('the batch limit caps how many sequences decode together', () => {
  const engine = new BatchEngine(linearModel({ maxBatch: 2 }));
  const reqs = [0, 1, 2].map((i) => newRequest(i, 0, 4, 3));
  for (const r of reqs) engine.submit(r);
  engine.step(0);
  assert.equal(engine.inFlight, 3);
  drain(engine);
  assert.ok(reqs[2]!.admittedAt >= Math.min(reqs[0]!.doneAt, reqs[1]!.doneAt));
});
