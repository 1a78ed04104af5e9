import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import * as A from '../../src/autograd/index.js';
import { isFrugalError } from '../../src/core/errors.js';
import {
  type BertForSequenceClassification,
  createModel,
  type LlamaForCausalLM,
  resolveConfig,
  type T5ForConditionalGeneration,
} from '../../src/models/index.js';
import { exportCheckpointOnnx } from '../../src/models/onnx/checkpoint.js';
import { encodeOnnx } from '../../src/models/onnx/index.js';
import { writeSafetensors } from '../../src/models/safetensors.js';
import * as F from '../../src/ops/index.js';

const dir = mkdtempSync(join(tmpdir(), 'frugal-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bertConfig = resolveConfig('bert-tiny', {
  vocabSize: 64,
  hidden: 32,
  heads: 4,
  intermediate: 64,
  maxPositions: 32,
  numLabels: 3,
});
const llamaConfig = (tie: boolean) =>
  resolveConfig('llama-tiny', {
    vocabSize: 64,
    hidden: 32,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediate: 48,
    maxPositions: 32,
    tieEmbeddings: tie,
  });

const ROWS = [
  [5, 9, 2, 33, 7, 61, 12],
  [3, 8, 40, 0, 0, 0, 0],
];
const LENGTHS = [7, 3];

const i64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
const maskRows = (rows: number[][], lengths: number[]) =>
  rows.map((r, b) => r.map((_, j) => (j < lengths[b]! ? 1 : 0)));

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** max |a - b| relative to the largest |b|. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  assert.ok(diff <= 1e-4 * scale, `${what}: max difference ${diff} vs scale ${scale}`);
}

function bertLogits(model: BertForSequenceClassification, rows: number[][], lengths: number[]): Float32Array {
  return F.tidy(() =>
    A.noGrad(() =>
      model
        .forward(F.tensor(rows, { dtype: 'i32' }), F.tensor(maskRows(rows, lengths), { dtype: 'i32' }))
        .value.toFloat32Array(),
    ),
  );
}

function llamaLogits(model: LlamaForCausalLM, rows: number[][]): Float32Array {
  return F.tidy(() => A.noGrad(() => model.forward(F.tensor(rows, { dtype: 'i32' })).value.toFloat32Array()));
}

describe('ONNX export', () => {
  it('BERT: onnxruntime logits match Frugal on a padded batch, and for other batch/seq sizes', async () => {
    const model = createModel(bertConfig, { seed: 3 }) as BertForSequenceClassification;
    model.eval();
    const s = await session(encodeOnnx(model));
    const run = async (rows: number[][], lengths: number[]) =>
      (await s.run({ input_ids: i64(rows), attention_mask: i64(maskRows(rows, lengths)) })).logits!;
    const out = await run(ROWS, LENGTHS);
    assert.deepEqual(out.dims, [2, 3]);
    assertClose(out.data as Float32Array, bertLogits(model, ROWS, LENGTHS), 'padded batch');
    // The padded row scores as the same sequence alone, unpadded (the mask reaches every layer).
    const alone = await run([ROWS[1]!.slice(0, 3)], [3]);
    assertClose(alone.data as Float32Array, (out.data as Float32Array).slice(3), 'padded row vs alone');
    const single = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]];
    assertClose(
      (await run(single, [11])).data as Float32Array,
      bertLogits(model, single, [11]),
      'batch 1, seq 11',
    );
    await s.release();
    model.dispose();
  });

  it('BERT with mean pooling: onnxruntime logits match Frugal on a padded batch', async () => {
    const config = resolveConfig(bertConfig, { pooling: 'mean' });
    const model = createModel(config, { seed: 4 }) as BertForSequenceClassification;
    model.eval();
    const s = await session(encodeOnnx(model));
    const out = await s.run({ input_ids: i64(ROWS), attention_mask: i64(maskRows(ROWS, LENGTHS)) });
    assertClose(
      out.logits!.data as Float32Array,
      bertLogits(model, ROWS, LENGTHS),
      'mean-pooled padded batch',
    );
    await s.release();
    model.dispose();
  });

  for (const tie of [true, false]) {
    it(`Llama (grouped-query attention, ${tie ? 'tied' : 'separate'} head): logits [B, T, vocab] match Frugal`, async () => {
      const model = createModel(llamaConfig(tie), { seed: 4 }) as LlamaForCausalLM;
      const s = await session(encodeOnnx(model));
      for (const rows of [ROWS, [[7, 7, 1]]]) {
        const out = (await s.run({ input_ids: i64(rows) })).logits!;
        assert.deepEqual(out.dims, [rows.length, rows[0]!.length, 64]);
        assertClose(
          out.data as Float32Array,
          llamaLogits(model, rows),
          `rows ${rows.length}x${rows[0]!.length}`,
        );
      }
      await s.release();
      model.dispose();
    });
  }

  it('exports a checkpoint directory (config.json + model.safetensors) to a file', async () => {
    const model = createModel(llamaConfig(true), { seed: 5 }) as LlamaForCausalLM;
    const ckpt = join(dir, 'ckpt');
    mkdirSync(ckpt);
    writeFileSync(join(ckpt, 'config.json'), JSON.stringify(model.config));
    await writeSafetensors(join(ckpt, 'model.safetensors'), model.stateDict());
    const file = join(dir, 'model.onnx');
    await exportCheckpointOnnx(ckpt, file);
    const s = await session(readFileSync(file));
    const out = (await s.run({ input_ids: i64(ROWS) })).logits!;
    assertClose(out.data as Float32Array, llamaLogits(model, ROWS), 'from checkpoint');
    await s.release();
    model.dispose();
  });

  it('names the problem for unsupported models and missing checkpoints', async () => {
    const t5 = createModel(resolveConfig('t5-tiny'), { seed: 1 }) as T5ForConditionalGeneration;
    assert.throws(
      () => encodeOnnx(t5),
      (e: unknown) => isFrugalError(e) && e.code === 'E_ARG',
    );
    t5.dispose();
    await assert.rejects(
      exportCheckpointOnnx(join(dir, 'nope'), join(dir, 'x.onnx')),
      (e: unknown) => isFrugalError(e) && e.code === 'E_IO',
    );
  });
});
