import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FrugalError, isFrugalError } from '../../src/core/errors.js';
import {
  checkCompatible,
  loadCatalog,
  loadProfile,
  loadWorkload,
  parseCatalog,
  parseProfile,
  parseWorkload,
} from '../../src/plan/load.js';
import { EXAMPLES } from './fixtures.js';

const chat = () => loadWorkload(join(EXAMPLES, 'chat.yaml'));

function throwsField(fn: () => unknown, code: string, field: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FrugalError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.details.field, field, e.message);
    return true;
  });
}

test('the shipped examples load and agree with each other', () => {
  const catalog = loadCatalog(join(EXAMPLES, 'catalog.yaml'));
  const profile = loadProfile(join(EXAMPLES, 'profile.yaml'));
  assert.deepEqual(
    catalog.gpus.map((g) => g.name),
    ['L4', 'A10G', 'A100-80G', 'H100-80G'],
  );
  for (const w of ['chat', 'document', 'mixed']) {
    const workload = loadWorkload(join(EXAMPLES, `${w}.yaml`));
    assert.equal(workload.inputBuckets.length, 6);
    checkCompatible(workload, catalog, profile);
  }
});

test('bad workload fields are named', () => {
  const w = chat();
  throwsField(() => parseWorkload({ ...w, rate: -1 }), 'E_CONFIG', 'workload.rate');
  throwsField(() => parseWorkload({ ...w, slo: { statistic: 'p99' } }), 'E_CONFIG', 'workload.slo');
  throwsField(
    () => parseWorkload({ ...w, slo: { tpotMs: 50, statistic: 'p42' } }),
    'E_CONFIG',
    'workload.slo.statistic',
  );
  throwsField(() => parseWorkload({ ...w, inputBuckets: [[10, 5]] }), 'E_CONFIG', 'workload.inputBuckets.0');
  throwsField(
    () => parseWorkload({ ...w, distribution: w.distribution.slice(1) }),
    'E_CONFIG',
    'workload.distribution',
  );
  const ragged = w.distribution.map((r, i) => (i === 2 ? r.slice(1) : r));
  throwsField(() => parseWorkload({ ...w, distribution: ragged }), 'E_CONFIG', 'workload.distribution.2');
  const zeros = w.distribution.map((r) => r.map(() => 0));
  throwsField(() => parseWorkload({ ...w, distribution: zeros }), 'E_CONFIG', 'workload.distribution');
  throwsField(() => parseWorkload({ ...w, rte: 3 }), 'E_CONFIG', 'workload');
});

test('bad catalog and profile fields are named', () => {
  throwsField(() => parseCatalog({ gpus: [] }), 'E_CONFIG', 'catalog.gpus');
  throwsField(
    () => parseCatalog({ gpus: [{ name: 'L4', pricePerHour: 'cheap' }] }),
    'E_CONFIG',
    'catalog.gpus.0.pricePerHour',
  );
  const dup = {
    gpus: [
      { name: 'L4', pricePerHour: 1 },
      { name: 'L4', pricePerHour: 2 },
    ],
  };
  throwsField(() => parseCatalog(dup), 'E_CONFIG', 'catalog.gpus.1.name');
  const w = chat();
  const base = { slo: w.slo, inputBuckets: w.inputBuckets, outputBuckets: w.outputBuckets };
  throwsField(() => parseProfile({ ...base, rates: { L4: [[1, 2]] } }), 'E_CONFIG', 'profile.rates.L4');
  const neg = w.distribution.map((r) => r.map(() => -1));
  throwsField(() => parseProfile({ ...base, rates: { L4: neg } }), 'E_CONFIG', 'profile.rates.L4.0.0');
});

test('inputs that disagree are refused with the field to fix', () => {
  const w = chat();
  const catalog = loadCatalog(join(EXAMPLES, 'catalog.yaml'));
  const profile = loadProfile(join(EXAMPLES, 'profile.yaml'));
  throwsField(
    () => checkCompatible({ ...w, slo: { ...w.slo, tpotMs: 40 } }, catalog, profile),
    'E_CONFIG',
    'profile.slo',
  );
  throwsField(
    () =>
      checkCompatible(
        { ...w, outputBuckets: [...w.outputBuckets.slice(0, 5), [1024, 4000]] },
        catalog,
        profile,
      ),
    'E_CONFIG',
    'profile.outputBuckets',
  );
  const extra = { gpus: [...catalog.gpus, { name: 'B200', pricePerHour: 9 }] };
  throwsField(() => checkCompatible(w, extra, profile), 'E_CONFIG', 'profile.rates.B200');
});

test('unreadable and malformed files name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-plan-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'rate: [1, 2\nslo: {');
  assert.throws(
    () => loadWorkload(bad),
    (e: unknown) => isFrugalError(e, 'E_CONFIG') && e.details.file === bad,
  );
  const missing = join(dir, 'missing.yaml');
  assert.throws(
    () => loadWorkload(missing),
    (e: unknown) => isFrugalError(e, 'E_IO') && e.details.file === missing,
  );
  const json = join(dir, 'w.json');
  writeFileSync(json, JSON.stringify({ ...chat(), rate: 3 }));
  assert.equal(loadWorkload(json).rate, 3);
});
