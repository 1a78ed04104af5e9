import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { noGrad } from '../../src/autograd/index.js';
import { loadCompressedCheckpoint, saveCompressedCheckpoint } from '../../src/compress/checkpoint.js';
import { parseZeroQuantConfig } from '../../src/compress/config.js';
import { quantizeModel } from '../../src/compress/quantize-model.js';
import { QuantizedLinear } from '../../src/compress/quantized-linear.js';
import { SparseQuantizedLinear } from '../../src/compress/sparse-linear.js';
import { isFrugalError } from '../../src/core/errors.js';
import { type BertForSequenceClassification, createModel, resolveConfig } from '../../src/models/index.js';
import { writeSafetensors } from '../../src/models/safetensors.js';
import * as F from '../../src/ops/index.js';
import { packFixedNxm } from './nxm-fixture.js';

describe('compressed checkpoints', () => {
  it('a W4A8-mixed BERT saved and loaded gives the same logits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-compress-'));
    try {
      const config = resolveConfig('bert-tiny', { vocabSize: 120, maxPositions: 32 });
      const model = createModel(config, { seed: 3 }) as BertForSequenceClassification;
      model.eval();
      const report = quantizeModel(model, { scheme: 'w4a8-mixed' });
      const ids = F.tensor(
        Int32Array.from({ length: 2 * 16 }, (_, i) => (i * 7) % 120),
        { shape: [2, 16] },
      );
      const want = noGrad(() => F.tidy(() => model.forward(ids).value.toFlatArray()));
      const layers = report.layers.map(({ bytesBefore: _b, bytesAfter: _a, ...l }) => l);
      await saveCompressedCheckpoint(
        dir,
        model,
        { method: 'zeroquant', layers },
        { config, record: { test: true } },
      );
      const back = await loadCompressedCheckpoint(dir);
      assert.equal(back.meta.method, 'zeroquant');
      assert.deepEqual(back.meta.layers, layers);
      const bert = back.model as BertForSequenceClassification;
      assert.ok(bert.blocks.items[1]!.mlp.up instanceof QuantizedLinear);
      assert.equal((bert.blocks.items[1]!.mlp.up as unknown as QuantizedLinear).bits, 4);
      assert.deepEqual(
        noGrad(() => F.tidy(() => bert.forward(ids).value.toFlatArray())),
        want,
      );
      model.dispose();
      bert.dispose();
      ids.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an NxM-packed BERT (2:4/int8 and 1:4/int4 layers) saved and loaded gives the same logits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-compress-'));
    try {
      const config = resolveConfig('bert-tiny', { vocabSize: 120, maxPositions: 32 });
      const model = createModel(config, { seed: 5 }) as BertForSequenceClassification;
      model.eval();
      const sparse = packFixedNxm(model);
      const ids = F.tensor(
        Int32Array.from({ length: 2 * 16 }, (_, i) => (i * 11) % 120),
        { shape: [2, 16] },
      );
      const want = noGrad(() => F.tidy(() => model.forward(ids).value.toFlatArray()));
      await saveCompressedCheckpoint(
        dir,
        model,
        { method: 'nxm', layers: [], sparse },
        { config, record: { test: true } },
      );
      const back = await loadCompressedCheckpoint(dir);
      assert.equal(back.meta.method, 'nxm');
      assert.deepEqual(back.meta.sparse, sparse);
      const bert = back.model as BertForSequenceClassification;
      const up = bert.blocks.items[0]!.mlp.up as unknown as SparseQuantizedLinear;
      assert.ok(up instanceof SparseQuantizedLinear);
      assert.deepEqual(
        up.layout('blocks.0.mlp.up'),
        sparse.find((l) => l.path === 'blocks.0.mlp.up'),
      );
      assert.equal(sparse.filter((l) => l.spec === '1:4/int4').length, sparse.length / 2);
      assert.deepEqual(
        noGrad(() => F.tidy(() => bert.forward(ids).value.toFlatArray())),
        want,
      );
      model.dispose();
      bert.dispose();
      ids.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a sparse layout that does not fit the model, naming the layer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-compress-'));
    try {
      const config = resolveConfig('bert-tiny', { vocabSize: 50, maxPositions: 16 });
      const model = createModel(config, { seed: 1 });
      const sparse = packFixedNxm(model);
      const bad = sparse.map((l, i) => (i === 0 ? { ...l, spec: '2:3/int8' } : l));
      await saveCompressedCheckpoint(
        dir,
        model,
        { method: 'nxm', layers: [], sparse: bad },
        { config, record: {} },
      );
      await assert.rejects(
        loadCompressedCheckpoint(dir),
        (e) => isFrugalError(e, 'E_IO') && e.details.field === bad[0]!.path,
      );
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an uncompressed checkpoint with E_IO naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-compress-'));
    try {
      const config = resolveConfig('bert-tiny', { vocabSize: 50, maxPositions: 16 });
      const model = createModel(config, { seed: 1 });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      await writeSafetensors(join(dir, 'model.safetensors'), model.stateDict(), { format: 'frugal' });
      await assert.rejects(
        loadCompressedCheckpoint(dir),
        (e) =>
          isFrugalError(e) &&
          e.code === 'E_IO' &&
          /model\.safetensors/.test(e.message + (e.details.file ?? '')),
      );
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates the zeroquant config, naming the field', () => {
    assert.deepEqual(parseZeroQuantConfig({ scheme: 'w4a8-mixed', lkd: { steps: 5 } }), {
      scheme: 'w4a8-mixed',
      lkd: { steps: 5 },
    });
    assert.throws(
      () => parseZeroQuantConfig({ weights: { bits: 3 } }),
      (e) => isFrugalError(e) && e.code === 'E_CONFIG' && e.details.field === 'weights.bits',
    );
    assert.throws(
      () => parseZeroQuantConfig({ sheme: 'w8a8' }),
      (e) => isFrugalError(e) && e.code === 'E_CONFIG',
    );
  });
});
