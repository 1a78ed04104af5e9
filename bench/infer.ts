/**
 * Encoder inference latency: a bert-base-shaped BertForSequenceClassification (random seeded
 * weights) at batch 1 and 8, seq 128, Frugal (noGrad, eval) against onnxruntime-node running
 * Frugal's own ONNX export of the same weights with the same thread count. Samples alternate
 * between the two so that load on the shared machine hits both alike; figures are medians.
 * `--quick`: bert-mini, fewer repetitions. `--batch N` / `--seq N` pick one case.
 */
import { performance } from 'node:perf_hooks';
import * as A from '../src/autograd/index.js';
import { getNumThreads } from '../src/backend/threads.js';
import { Rng } from '../src/core/rng.js';
import { type BertForSequenceClassification, createModel, NAMED_CONFIGS } from '../src/models/index.js';
import { encodeOnnx } from '../src/models/onnx/index.js';
import { backendStatus, tensor, tidy } from '../src/ops/index.js';
import type { BenchContext } from './harness.js';
import { median, settle } from './harness.js';
import { loadOrt } from './peers/onnxruntime.js';

function flag(args: readonly string[], name: string): number | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
}

export default async function infer(ctx: BenchContext): Promise<void> {
  const modelName = ctx.quick ? 'bert-mini' : 'bert-base';
  const config = NAMED_CONFIGS[modelName]!;
  const seq = flag(ctx.args, '--seq') ?? 128;
  const batches = flag(ctx.args, '--batch') !== undefined ? [flag(ctx.args, '--batch')!] : [1, 8];
  const threads = getNumThreads();
  const model = createModel(config, { seed: 1 }) as BertForSequenceClassification;
  model.eval();
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(encodeOnnx(model), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const backends = backendStatus().active;
  ctx.note(
    `${modelName} (${model.parameterCount()} parameters), seq ${seq}, ${threads} threads for both, ` +
      `Frugal backends: ${backends.join(' > ')}`,
  );
  if (!backends.includes('native'))
    ctx.note('WARNING: the native addon is not in use; Frugal runs on the reference backend');
  const rng = new Rng(7);
  for (const batch of batches) {
    const ids = Array.from({ length: batch * seq }, () => rng.int(config.vocabSize));
    const frugalIds = tensor(Int32Array.from(ids), { shape: [batch, seq] });
    const frugalMask = tensor(new Int32Array(batch * seq).fill(1), { shape: [batch, seq] });
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [batch, seq]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * seq).fill(1n), [batch, seq]),
    };
    const frugal = () =>
      tidy(() => A.noGrad(() => model.forward(frugalIds, frugalMask).value.toFloat32Array()));
    const onnx = async () => (await session.run(feeds)).logits!.data as Float32Array;
    const a = frugal();
    const b = await onnx();
    const diff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
    for (let w = 0; w < 1; w++) {
      frugal();
      await onnx();
    }
    const tf: number[] = [];
    const to: number[] = [];
    for (let r = 0; r < ctx.reps; r++) {
      // onnxruntime's pool threads spin for a while after a run; a pause lets them park, so
      // neither engine is timed while the other still holds a core.
      await settle();
      let t0 = performance.now();
      frugal();
      tf.push(performance.now() - t0);
      await settle();
      t0 = performance.now();
      await onnx();
      to.push(performance.now() - t0);
    }
    const name = `${modelName} b${batch} s${seq}`;
    const f = median(tf);
    const o = median(to);
    ctx.emit({ case: name, impl: 'frugal', metric: 'latency_ms', value: f, unit: 'ms' });
    ctx.emit({ case: name, impl: 'onnxruntime', metric: 'latency_ms', value: o, unit: 'ms' });
    ctx.emit({ case: name, impl: 'frugal/onnxruntime', metric: 'latency_ratio', value: f / o, unit: 'x' });
    ctx.note(
      `${name}: frugal ${f.toFixed(1)} ms, onnxruntime ${o.toFixed(1)} ms, frugal/onnxruntime ${(f / o).toFixed(2)}x ` +
        `(median of ${ctx.reps}; max |logit difference| ${diff.toExponential(1)})`,
    );
    frugalIds.dispose();
    frugalMask.dispose();
  }
  await session.release();
  model.dispose();
}
