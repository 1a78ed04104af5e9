import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { noGrad } from '../../src/autograd/index.js';
import { loadCompressedCheckpoint, saveCompressedCheckpoint } from '../../src/compress/checkpoint.js';
import { checkKeepLayers, everyOtherLayer, reduceLayers } from '../../src/compress/layer-reduction.js';
import { QuantizedLinear } from '../../src/compress/quantized-linear.js';
import { f32Data } from '../../src/compress/tensor-data.js';
import { dequantizeWeight, quantizeWeight } from '../../src/compress/weight-quant.js';
import { parseXtcConfig, xtcSettings } from '../../src/compress/xtc-config.js';
import { QuantizedEmbedding } from '../../src/compress/xtc-embedding.js';
import { finalizeQat, prepareQat, QatEmbedding, QatLinear } from '../../src/compress/xtc-qat.js';
import { isFrugalError } from '../../src/core/errors.js';
import type { BertTrace } from '../../src/models/bert.js';
import { type BertForSequenceClassification, createModel, resolveConfig } from '../../src/models/index.js';
import { Linear } from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';

const config = resolveConfig('bert-tiny', { vocabSize: 96, maxPositions: 32, layers: 4 });

function bert(seed: number): BertForSequenceClassification {
  const m = createModel(config, { seed }) as BertForSequenceClassification;
  m.eval();
  return m;
}

function batch(): { ids: F.Tensor; mask: F.Tensor } {
  const ids = F.tensor(
    Int32Array.from({ length: 3 * 12 }, (_, i) => (i * 11 + 5) % 96),
    { shape: [3, 12] },
  );
  const mask = F.tensor(
    Int32Array.from({ length: 3 * 12 }, (_, i) => (i % 12 < 12 - (i / 12) * 3 ? 1 : 0)),
    { shape: [3, 12] },
  );
  return { ids, mask };
}

const logits = (m: BertForSequenceClassification, b: { ids: F.Tensor; mask: F.Tensor }) =>
  noGrad(() => F.tidy(() => Array.from(f32Data(m.forward(b.ids, b.mask).value))));

describe('BERT trace (opt-in hidden states and attention probabilities)', () => {
  it('records embedding output + one hidden state per block and row-stochastic attention; logits unchanged', () => {
    const m = bert(1);
    const b = batch();
    const plain = logits(m, b);
    noGrad(() =>
      F.tidy(() => {
        const trace: BertTrace = { hidden: [], attention: [] };
        const traced = Array.from(f32Data(m.forward(b.ids, b.mask, undefined, trace).value));
        // The traced pass takes the unfused attention path: equal up to f32 rounding.
        traced.forEach((v, i) => {
          assert.ok(Math.abs(v - plain[i]!) < 1e-4, `logit ${i}: ${v} vs ${plain[i]}`);
        });
        assert.equal(trace.hidden.length, config.layers + 1);
        assert.equal(trace.attention.length, config.layers);
        assert.deepEqual(trace.hidden[2]!.shape, [3, 12, config.hidden]);
        assert.deepEqual(trace.attention[0]!.shape, [3, config.heads, 12, 12]);
        const p = f32Data(trace.attention[3]!.value);
        for (let r = 0; r < p.length / 12; r++) {
          let s = 0;
          for (let c = 0; c < 12; c++) s += p[r * 12 + c]!;
          assert.ok(Math.abs(s - 1) < 1e-5, `row ${r} sums to ${s}`);
        }
        // The last example pads its last 6 keys: they get no probability.
        assert.ok(p[(2 * config.heads * 12 + 0) * 12 + 11]! < 1e-12);
      }),
    );
    m.dispose();
    b.ids.dispose();
    b.mask.dispose();
  });
});

describe('layer reduction', () => {
  it("keeping every layer reproduces the teacher's logits; keeping [1, 3] copies those blocks", () => {
    const t = bert(2);
    const b = batch();
    const all = reduceLayers(t, [0, 1, 2, 3]);
    assert.deepEqual(logits(all, b), logits(t, b));
    const s = reduceLayers(t, [1, 3]);
    assert.equal(s.config.layers, 2);
    assert.deepEqual(
      Array.from(f32Data(s.blocks.items[1]!.mlp.up.weight.value)),
      Array.from(f32Data(t.blocks.items[3]!.mlp.up.weight.value)),
    );
    assert.deepEqual(
      Array.from(f32Data(s.wordEmbeddings.weight.value)),
      Array.from(f32Data(t.wordEmbeddings.weight.value)),
    );
    for (const m of [t, all, s]) m.dispose();
    b.ids.dispose();
    b.mask.dispose();
  });

  it("defaults to the paper's every other layer and rejects bad lists with E_CONFIG naming keepLayers", () => {
    assert.deepEqual(everyOtherLayer(12), [1, 3, 5, 7, 9, 11]);
    assert.deepEqual(everyOtherLayer(4), [1, 3]);
    assert.deepEqual(everyOtherLayer(1), [0]);
    for (const bad of [[], [0, 0], [2, 1], [4], [-1]]) {
      assert.throws(
        () => checkKeepLayers(bad, 4),
        (e) => isFrugalError(e, 'E_CONFIG') && e.details.field === 'keepLayers',
      );
    }
  });
});

describe('quantized embeddings', () => {
  it('a ternary table looks up the dequantized rows; placeholder + state dict round-trips', () => {
    const table = F.mul(F.randn([40, 16], { seed: 4 }), 0.5);
    const q = QuantizedEmbedding.fromTable(table, 2);
    const deq = dequantizeWeight(quantizeWeight(table, { bits: 2 }));
    const ids = F.tensor(Int32Array.from([3, 39, 0, 3, 17, 8]), { shape: [2, 3] });
    const got = q.forward(ids).value;
    assert.deepEqual(got.shape, [2, 3, 16]);
    const d = f32Data(deq);
    const g = f32Data(got);
    [3, 39, 0, 3, 17, 8].forEach((id, i) => {
      assert.deepEqual(
        Array.from(g.subarray(i * 16, (i + 1) * 16)),
        Array.from(d.subarray(id * 16, (id + 1) * 16)),
      );
    });
    assert.equal(q.byteSize(), 40 * 4 + 40 * 4);
    const back = QuantizedEmbedding.placeholder({ bits: 2, vocabSize: 40, dim: 16 });
    back.loadStateDict(q.stateDict());
    assert.deepEqual(Array.from(f32Data(back.forward(ids).value)), Array.from(g));
    assert.throws(
      () => q.forward(F.tensor(Int32Array.from([40]), { shape: [1] })),
      (e) => isFrugalError(e, 'E_INDEX'),
    );
    for (const t of [table, deq, ids, got]) t.dispose();
    q.dispose();
    back.dispose();
  });
});

describe('XTC quantization-aware training modules', () => {
  it('QatLinear computes what the packed QuantizedLinear computes, and passes gradients to its f32 weight', () => {
    const lin = new Linear(32, 24, { seed: 5 });
    const qat = new QatLinear(lin, 2, 32);
    const x = A.constant(F.randn([5, 32], { seed: 6 }));
    const y = qat.forward(x);
    const packed = qat.toQuantized('test');
    const want = packed.forward(x).value;
    const a = f32Data(y.value);
    const b = f32Data(want);
    let err = 0;
    let ref = 0;
    for (let i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i]! - b[i]!));
      ref = Math.max(ref, Math.abs(b[i]!));
    }
    assert.ok(err <= 1e-4 * ref, `max diff ${err} vs max ${ref}`);
    A.sum(y).backward();
    const g = f32Data(qat.weight.grad!);
    assert.ok(g.some((v) => v !== 0));
    for (const m of [lin, qat, packed]) m.dispose();
  });

  it('prepareQat swaps Linears (not the classifier) and the chosen tables; finalizeQat packs them; the saved student loads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-xtc-'));
    try {
      const s = reduceLayers(bert(7), [1, 3]);
      prepareQat(s, { bits: 2, embeddings: [{ path: 'wordEmbeddings', bits: 2 }] });
      assert.ok(s.blocks.items[0]!.attn.q instanceof QatLinear);
      assert.ok(s.pooler instanceof QatLinear);
      assert.ok(s.classifier instanceof Linear);
      assert.ok(s.wordEmbeddings instanceof QatEmbedding);
      const layouts = finalizeQat(s);
      s.eval();
      assert.equal(layouts.layers.length, 2 * 6 + 1);
      assert.ok(layouts.layers.every((l) => l.bits === 2 && l.groupSize === l.inFeatures));
      assert.deepEqual(
        layouts.embeddings.map((e) => [e.path, e.bits, e.vocabSize, e.dim]),
        [['wordEmbeddings', 2, 96, config.hidden]],
      );
      assert.ok(s.blocks.items[1]!.mlp.down instanceof QuantizedLinear);
      const b = batch();
      const want = logits(s, b);
      const strip = <T extends { bytesBefore: number; bytesAfter: number }>({
        bytesBefore: _b,
        bytesAfter: _a,
        ...l
      }: T) => l;
      await saveCompressedCheckpoint(
        dir,
        s,
        { method: 'xtc', layers: layouts.layers.map(strip), embeddings: layouts.embeddings.map(strip) },
        { config: s.config, record: { test: true } },
      );
      const back = await loadCompressedCheckpoint(dir);
      const m = back.model as BertForSequenceClassification;
      assert.equal(m.config.layers, 2);
      assert.ok(m.wordEmbeddings instanceof QuantizedEmbedding);
      assert.deepEqual(logits(m, b), want);
      s.dispose();
      m.dispose();
      b.ids.dispose();
      b.mask.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('config: defaults filled in, unknown keys and bad widths are E_CONFIG naming the field', () => {
    const s = xtcSettings(parseXtcConfig({ keepLayers: [0, 2], embeddings: { positionEmbeddings: false } }));
    assert.equal(s.bits, 2);
    assert.deepEqual(s.keepLayers, [0, 2]);
    assert.deepEqual(s.embeddings, [{ path: 'wordEmbeddings', bits: 2 }]);
    assert.equal(s.weights.labels, 0);
    for (const [bad, field] of [
      [{ bits: 4 }, 'bits'],
      [{ weights: { logit: 1 } }, 'weights.logit'],
      [{ steps: 0 }, 'steps'],
    ] as const) {
      assert.throws(
        () => parseXtcConfig(bad),
        (e) => isFrugalError(e, 'E_CONFIG') && e.details.field === field,
      );
    }
  });
});
