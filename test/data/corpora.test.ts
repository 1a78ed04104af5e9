import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { packageFile } from '../../src/data/package-files.js';
import { loadPythonStdlib, loadPythonStdlibSplit } from '../../src/data/python-stdlib.js';
import { loadSpamAssassin, loadSpamAssassinSplit } from '../../src/data/spam-assassin.js';
import { splitItems } from '../../src/data/split.js';

test('splitItems is seeded, disjoint and complete', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const a = splitItems(items, { seed: 7, validation: 0.2, test: 0.1 });
  assert.deepEqual(a, splitItems(items, { seed: 7, validation: 0.2, test: 0.1 }));
  assert.deepEqual([a.train.length, a.validation.length, a.test.length], [70, 20, 10]);
  assert.deepEqual(
    [...a.train, ...a.validation, ...a.test].sort((x, y) => x - y),
    items,
  );
  assert.notDeepEqual(splitItems(items, { seed: 8 }).test, splitItems(items, { seed: 7 }).test);
  assert.throws(
    () => splitItems(items, { validation: 0.6, test: 0.5 }),
    (e) => isFrugalError(e, 'E_ARG'),
  );
});

test('SpamAssassin: 6,046 messages, 4,150 ham and 1,896 spam, labels from the group', () => {
  const all = loadSpamAssassin();
  assert.equal(all.length, 6046);
  assert.equal(all.filter((m) => m.label === 'ham').length, 2500 + 1400 + 250);
  assert.equal(all.filter((m) => m.label === 'spam').length, 500 + 1396);
  assert.equal(new Set(all.map((m) => m.key)).size, all.length);
  assert.ok(all.every((m) => m.text.length > 0));
  assert.match(all[0].text, /^From /);
  const hard = loadSpamAssassin({ groups: ['hard-ham-1'] });
  assert.equal(hard.length, 250);
  assert.throws(
    // @ts-expect-error an unknown group is a runtime error too
    () => loadSpamAssassin({ groups: ['junk'] }),
    (e) => isFrugalError(e, 'E_ARG') && e.details.field === 'groups',
  );
});

test('SpamAssassin split is deterministic per seed and disjoint', () => {
  const s = loadSpamAssassinSplit({ seed: 1, groups: ['spam-1', 'hard-ham-1'] });
  const again = loadSpamAssassinSplit({ seed: 1, groups: ['spam-1', 'hard-ham-1'] });
  const keys = (xs: { key: string }[]): string[] => xs.map((x) => x.key);
  assert.deepEqual(keys(s.test), keys(again.test));
  assert.deepEqual([s.train.length, s.validation.length, s.test.length], [600, 75, 75]);
  const seen = new Set([...keys(s.train), ...keys(s.validation), ...keys(s.test)]);
  assert.equal(seen.size, 750);
  const other = loadSpamAssassinSplit({ seed: 2, groups: ['spam-1', 'hard-ham-1'] });
  assert.notDeepEqual(keys(other.test), keys(s.test));
});

test('Python stdlib from pyodide: hundreds of real .py files, split by file', () => {
  const files = loadPythonStdlib();
  assert.ok(files.length > 500, `${files.length} files`);
  assert.ok(files.every((f) => f.path.endsWith('.py')));
  const json = files.find((f) => f.path === 'json/decoder.py');
  assert.ok(json?.text.includes('class JSONDecoder'));
  const s = loadPythonStdlibSplit({ seed: 3 });
  const paths = (xs: { path: string }[]): string[] => xs.map((x) => x.path);
  assert.equal(s.train.length + s.validation.length + s.test.length, files.length);
  assert.equal(new Set([...paths(s.train), ...paths(s.validation), ...paths(s.test)]).size, files.length);
  assert.deepEqual(paths(loadPythonStdlibSplit({ seed: 3 }).validation), paths(s.validation));
});

test('missing packages and corrupt archives raise clear errors', () => {
  assert.throws(
    () => packageFile('frugal-no-such-package', 'data.json', 'test'),
    (e) => isFrugalError(e, 'E_NOT_FOUND') && e.message.includes('npm install'),
  );
  assert.throws(
    () => packageFile('pyodide', 'no-such-file.zip', 'test'),
    (e) => isFrugalError(e, 'E_IO'),
  );
  const bad = join(mkdtempSync(join(tmpdir(), 'frugal-zip-')), 'broken.zip');
  writeFileSync(bad, 'not a zip');
  assert.throws(
    () => loadPythonStdlib({ zipPath: bad }),
    (e) => isFrugalError(e, 'E_IO') && e.details.file === bad,
  );
});
