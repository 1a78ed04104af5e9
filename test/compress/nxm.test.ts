import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { noGrad } from '../../src/autograd/variable.js';
import { AdmmTask, attachNxm, trainNxm } from '../../src/compress/admm.js';
import { fromDeepSpeed } from '../../src/compress/deepspeed-config.js';
import { findLayers } from '../../src/compress/layers.js';
import { nmMask } from '../../src/compress/nm-sparsity.js';
import { fixedSpecOf, parseNxmConfig } from '../../src/compress/nxm-config.js';
import { NxmLinear } from '../../src/compress/nxm-linear.js';
import { searchAssignment } from '../../src/compress/nxm-search.js';
import { type NxmSpec, nxmBytes, parseSpec } from '../../src/compress/nxm-spec.js';
import { measureSensitivity, nxmTargets, type TargetLayer } from '../../src/compress/sensitivity.js';
import { SparseQuantizedLinear } from '../../src/compress/sparse-linear.js';
import { f32Data } from '../../src/compress/tensor-data.js';
import { isFrugalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Linear } from '../../src/nn/linear.js';
import { tensor } from '../../src/tensor/creation.js';
import { tidy } from '../../src/tensor/scope.js';
import type { TrainerTask } from '../../src/train/trainer.js';
import { TinyEncoder } from './tiny-model.js';

const s24i8 = parseSpec('2:4/int8', 'test');
const s24i4 = parseSpec('2:4/int4', 'test');

describe('nxm search', () => {
  // Two [2, 64] layers: fp32 512 B each. 2:4/int8 = 64 codes + 16 B positions + 8 B scales = 88 B;
  // 2:4/int4 = 32 + 16 + 8 = 56 B. All-int8 ratio = 1024 / 176 = 5.82.
  const targets: TargetLayer[] = ['l0', 'l1'].map((path) => ({
    path,
    role: 'ffn',
    outFeatures: 2,
    inFeatures: 64,
  }));
  const sensitivity = {
    baseLoss: 1,
    rows: [
      { path: 'l0', spec: '2:4/int8', loss: 1, delta: 0 },
      { path: 'l0', spec: '2:4/int4', loss: 1.5, delta: 0.5 },
      { path: 'l1', spec: '2:4/int8', loss: 1, delta: 0 },
      { path: 'l1', spec: '2:4/int4', loss: 1.1, delta: 0.1 },
    ],
  };
  const candidates = [s24i8, s24i4];

  it('byte counts by hand', () => {
    assert.deepEqual(nxmBytes(2, 64, s24i8), { fp32: 512, values: 64, metadata: 16, scales: 8 });
    assert.deepEqual(nxmBytes(2, 64, s24i4), { fp32: 512, values: 32, metadata: 16, scales: 8 });
  });

  it('moves the least sensitive component first and stops at the ratio', () => {
    const r7 = searchAssignment({ targets, candidates, sensitivity, ratio: 7 });
    assert.deepEqual(
      [...r7.assignment].map(([p, s]) => [p, s.bits]),
      [
        ['l0', 8],
        ['l1', 4],
      ],
    );
    assert.equal(r7.ratio.withMetadata, 1024 / 144);
    assert.equal(r7.ratio.withoutMetadata, 1024 / 112);
    assert.equal(r7.moves.length, 1);
    assert.ok(Math.abs(r7.predictedDelta - 0.1) < 1e-12);
    const r9 = searchAssignment({ targets, candidates, sensitivity, ratio: 9 });
    assert.deepEqual(
      [...r9.assignment.values()].map((s) => s.bits),
      [4, 4],
    );
    assert.equal(r9.ratio.withMetadata, 1024 / 112);
  });

  it('without metadata the all-int8 start already meets 7; fixed components never move; out of reach is E_INFEASIBLE', () => {
    const r = searchAssignment({ targets, candidates, sensitivity, ratio: 7, countMetadata: false });
    assert.equal(r.moves.length, 0);
    const fixed = new Map([['l1', s24i8]]);
    const rf = searchAssignment({ targets, candidates, sensitivity, ratio: 7, fixed });
    assert.deepEqual(
      [...rf.assignment.values()].map((s) => s.bits),
      [4, 8],
    );
    assert.throws(
      () => searchAssignment({ targets, candidates, sensitivity, ratio: 10 }),
      (e) => isFrugalError(e, 'E_INFEASIBLE') && /9\.14/.test(e.message),
    );
  });
});

function tinyTask(vocab: number, seed: number): TrainerTask<TinyEncoder> {
  const rng = new Rng(seed);
  const ids = Int32Array.from({ length: 8 * 6 }, () => rng.int(vocab));
  const labels = Int32Array.from({ length: 8 }, () => rng.int(3));
  return {
    loss: (model) => ({
      loss: A.crossEntropy(model.forward(tensor(ids, { shape: [8, 6] })), tensor(labels)),
      tokens: ids.length,
    }),
    evaluate: () => ({}),
  };
}

describe('nxm training', () => {
  it('sensitivity restores every weight bit for bit and gives one row per (layer, candidate)', () => {
    const model = new TinyEncoder(20, 16, 1, 3);
    const targets = nxmTargets(model);
    assert.equal(targets.length, 6);
    const before = targets.map((t) => f32Data(model.stateDict()[`${t.path}.weight`]!).slice());
    const task = tinyTask(20, 1);
    const table = noGrad(() =>
      measureSensitivity({
        model,
        targets,
        candidates: [s24i8, parseSpec('1:4/int4', 'test')],
        evaluate: () => tidy(() => task.loss(model, 0, 0).loss.value.item()),
      }),
    );
    assert.equal(table.rows.length, 12);
    assert.ok(table.rows.every((r) => Number.isFinite(r.delta)));
    targets.forEach((t, i) => {
      assert.deepEqual(f32Data(model.stateDict()[`${t.path}.weight`]!), before[i]);
    });
  });

  it('ADMM pulls the weights towards N:M, hard pruning fixes the masks, the packed model matches', async () => {
    const model = new TinyEncoder(20, 16, 1, 4);
    const assignment = new Map<string, NxmSpec>(
      nxmTargets(model).map((t, i) => [t.path, i % 2 ? s24i4 : s24i8]),
    );
    const sites = attachNxm(model, assignment);
    const task = tinyTask(20, 2);
    const probe = new AdmmTask(task, sites);
    const residualBefore = probe.residual();
    probe.dispose();
    const result = await trainNxm({
      model,
      sites,
      task,
      admm: { steps: 40, lr: 1e-2, rho: 0.05, rhoGrowth: 1.5, every: 5 },
      finetune: { steps: 5, lr: 1e-3 },
      progress: false,
    });
    assert.ok(result.residual! < residualBefore / 2, `residual ${result.residual} vs ${residualBefore}`);
    for (const { layer } of sites) {
      assert.ok(layer.masked);
      const w = layer.effectiveWeight();
      const mask = nmMask(w, layer.inFeatures, { n: 2, m: 4 });
      assert.ok(
        w.every((v, i) => mask[i] || v === 0),
        'every M-block has at most N non-zeros',
      );
    }
    const ids = tensor(
      Int32Array.from({ length: 12 }, (_, i) => i % 20),
      { shape: [2, 6] },
    );
    const trained = noGrad(() => f32Data(model.forward(ids).value).slice());
    for (const s of findLayers(model, (m): m is NxmLinear => m instanceof NxmLinear))
      s.parent.replaceChild(s.name, SparseQuantizedLinear.fromNxm(s.layer));
    const packed = noGrad(() => f32Data(model.forward(ids).value));
    packed.forEach((v, i) => {
      assert.ok(Math.abs(v - trained[i]!) < 1e-4, `logit ${i}: ${v} vs ${trained[i]}`);
    });
    assert.equal(findLayers(model, (m): m is Linear => m instanceof Linear).length, 1);
  });
});

describe('nxm config', () => {
  it('names an unknown key and a bad spec', () => {
    assert.throws(
      () => parseNxmConfig({ ratio: 8, admm: { stpes: 3 } }),
      (e) => isFrugalError(e, 'E_CONFIG') && e.details.field === 'admm.stpes',
    );
    assert.throws(
      () => parseNxmConfig({ candidates: ['2:4/int8', '4:4/int8'] }),
      (e) => isFrugalError(e, 'E_CONFIG') && e.details.field === 'candidates.1',
    );
  });

  it('modules patterns match Frugal paths or Hugging Face names; first match wins per half', () => {
    const c = parseNxmConfig({
      modules: [
        { match: ['attention\\.self'], sparsity: '1:4' },
        { match: ['attn'], bits: 4 },
      ],
    });
    assert.deepEqual(
      fixedSpecOf(c, { path: 'blocks.0.attn.q', hf: 'bert.encoder.layer.0.attention.self.query' }),
      {
        n: 1,
        m: 4,
        bits: 4,
      },
    );
    assert.deepEqual(
      fixedSpecOf(c, { path: 'blocks.0.attn.o', hf: 'bert.encoder.layer.0.attention.output.dense' }),
      {
        n: 2,
        m: 4,
        bits: 4,
      },
    );
    assert.equal(fixedSpecOf(c, { path: 'blocks.0.mlp.up' }), undefined);
  });

  it('maps a DeepSpeed compression_training config, warning on what it ignores', () => {
    const ds = {
      train_batch_size: 16,
      compression_training: {
        weight_quantization: {
          shared_parameters: {
            enabled: true,
            quantization_type: 'symmetric',
            quantize_groups: 1,
            schedule_offset: 0,
          },
          different_groups: {
            wq1: { params: { start_bits: 8, target_bits: 8 }, modules: ['attention.self'] },
            wq2: {
              params: { start_bits: 8, target_bits: 4, quantization_period: 50 },
              modules: ['intermediate', 'output.dense'],
            },
          },
        },
        sparse_pruning: {
          shared_parameters: {
            enabled: true,
            method: 'l1',
            dense_ratio: 0.5,
            schedule_offset: 100,
            schedule_offset_end: 400,
            excluded_modules: ['classifier', 'pooler'],
          },
          different_groups: {
            sp1: { params: { dense_ratio: 0.375 }, modules: ['attention.self'] },
            sp2: { modules: ['intermediate'] },
          },
        },
        activation_quantization: { shared_parameters: { enabled: false } },
      },
    };
    const { config, warnings } = fromDeepSpeed(ds);
    assert.deepEqual(config.modules, [
      { match: ['attention.self'], bits: 8 },
      { match: ['intermediate', 'output.dense'], bits: 4 },
      { match: ['attention.self'], sparsity: '3:8' },
      { match: ['intermediate'], sparsity: '2:4' },
    ]);
    assert.deepEqual(config.admm, { steps: 300 });
    assert.deepEqual(config.exclude, ['classifier', 'pooler']);
    assert.ok(warnings.some((w) => w.includes('quantize_groups')));
    assert.ok(warnings.some((w) => w.includes('start_bits')));
    assert.ok(warnings.some((w) => w.includes('activation_quantization')));
    const parsed = parseNxmConfig(config);
    const q = { path: 'blocks.0.attn.q', hf: 'bert.encoder.layer.0.attention.self.query' };
    assert.deepEqual(fixedSpecOf(parsed, q), { n: 3, m: 8, bits: 8 });
    const up = { path: 'blocks.0.mlp.up', hf: 'bert.encoder.layer.0.intermediate.dense' };
    assert.deepEqual(fixedSpecOf(parsed, up), { n: 2, m: 4, bits: 4 });
  });

  it('DeepSpeed: unknown keys, unsupported values and enabled unsupported sections are E_CONFIG naming them', () => {
    const field = (v: unknown) => {
      try {
        fromDeepSpeed(v);
      } catch (e) {
        if (isFrugalError(e, 'E_CONFIG')) return e.details.field;
        throw e;
      }
      return undefined;
    };
    const sp = (shared: object, groups: object = { g: { modules: ['x'] } }) => ({
      sparse_pruning: {
        shared_parameters: { enabled: true, dense_ratio: 0.5, ...shared },
        different_groups: groups,
      },
    });
    assert.equal(field(sp({ denseratio: 0.5 })), 'sparse_pruning.shared_parameters.denseratio');
    assert.equal(field(sp({ dense_ratio: 0.3 })), 'sparse_pruning.shared_parameters.dense_ratio');
    assert.equal(field(sp({ method: 'movement' })), 'sparse_pruning.shared_parameters.method');
    assert.equal(
      field({ ...sp({}), head_pruning: { shared_parameters: { enabled: true } } }),
      'head_pruning.shared_parameters.enabled',
    );
    assert.equal(
      field({
        weight_quantization: {
          shared_parameters: { enabled: true, quantization_type: 'asymmetric' },
          different_groups: { g: { params: { target_bits: 8 }, modules: ['x'] } },
        },
      }),
      'weight_quantization.shared_parameters.quantization_type',
    );
  });
});
