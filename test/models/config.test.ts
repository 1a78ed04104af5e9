import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { NAMED_CONFIGS, resolveConfig } from '../../src/models/index.js';

const configError = (field: string) => (e: unknown) =>
  isFrugalError(e, 'E_CONFIG') && e.details.field === field;

describe('resolveConfig', () => {
  it('every named config validates, and the BERT presets have the documented sizes', () => {
    for (const name of Object.keys(NAMED_CONFIGS)) resolveConfig(name);
    const mini = resolveConfig('bert-mini');
    assert.ok(mini.arch === 'bert');
    assert.deepEqual(
      [mini.layers, mini.hidden, mini.heads, mini.intermediate, mini.maxPositions],
      [4, 256, 4, 1024, 512],
    );
    const base = resolveConfig('bert-base');
    assert.ok(base.arch === 'bert');
    assert.deepEqual([base.layers, base.hidden, base.heads, base.intermediate], [12, 768, 12, 3072]);
  });

  it('applies overrides and completes partial objects from the arch preset', () => {
    const c = resolveConfig('llama-tiny', { vocabSize: 300 });
    assert.equal(c.vocabSize, 300);
    const p = resolveConfig({ arch: 't5', hidden: 32, ff: 64 });
    assert.ok(p.arch === 't5');
    assert.equal(p.hidden, 32);
    assert.equal(p.layers, 4);
  });

  it('rejects impossible shapes, bad values and unknown fields naming the field', () => {
    assert.throws(() => resolveConfig('bert-tiny', { heads: 3 }), configError('heads'));
    assert.throws(() => resolveConfig('llama-tiny', { kvHeads: 3 }), configError('kvHeads'));
    assert.throws(() => resolveConfig('bert-tiny', { layers: 0 }), configError('layers'));
    assert.throws(() => resolveConfig('bert-tiny', { dropout: 1 }), configError('dropout'));
    assert.throws(() => resolveConfig('bert-tiny', { hiddenSize: 8 }), configError('hiddenSize'));
    assert.throws(() => resolveConfig({ arch: 'gpt' } as never), configError('arch'));
    assert.throws(() => resolveConfig('llama-tiny', { tieEmbeddings: 1 }), configError('tieEmbeddings'));
    assert.throws(() => resolveConfig('bert-tiny', { pooling: 'max' }), configError('pooling'));
    assert.equal(resolveConfig('bert-tiny', { pooling: 'mean' }).arch, 'bert');
  });

  it('reads JSON files and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-config-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ arch: 'bert', hidden: 64, heads: 4 }));
      assert.equal(resolveConfig(good).hidden, 64);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ arch: 'llama', heads: 6 }));
      assert.throws(
        () => resolveConfig(bad),
        (e: unknown) => isFrugalError(e, 'E_CONFIG') && e.details.file === bad && /heads/.test(e.message),
      );
      assert.throws(() => resolveConfig(join(dir, 'missing.json')), /named configs: bert-tiny/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
