/**
 * Quantized inference speed: BERT encoder forward latency (batch 8 x 128 tokens by default) in
 * f32, W8A8 (INT8 weights and token-wise INT8 activations; `-7bit`: weight codes in [-63, 63],
 * which run the AVX2 u8 x s8 kernel, the full-range codes the exact int16-pair one), W4A8 (ZeroQuant's mixed W4/8-A8:
 * INT8 attention, packed INT4 feed-forward) and XTC ternary (2-bit packed weights, INT8
 * activations), all built from the same seeded weights in one process; plus the quantized Linear
 * weights' size and the encoder output's cosine to f32 (random weights: ternary without the
 * distillation XTC relies on is far from f32, which is expected).
 * `--quick`: bert-mini. `--config=<name>`, `--batch=<n>`, `--seq=<n>` override the case;
 * `--impls=w8a8-7bit,onnxruntime-int8` keeps frugal-fp32 (the baseline) and the named ones.
 * Each forward ends with one copy of the encoder output into a Float32Array (onnxruntime hands
 * back its output the same way).
 * onnxruntime-int8: the W8A8 model (full-range codes) exported to ONNX (DynamicQuantizeLinear +
 * MatMulInteger, src/models/onnx/int8.ts) and run by onnxruntime-node with all graph
 * optimizations, as many intra-op threads as Frugal uses, timed in the same round robin. Its graph
 * also runs the pooler and classifier (two tiny [batch, hidden] MatMuls) after the encoder.
 */
import { performance } from 'node:perf_hooks';
import { noGrad } from '../src/autograd/index.js';
import { getNumThreads } from '../src/backend/threads.js';
import { cosineSimilarity, type QuantizeModelOptions, quantizeModel } from '../src/compress/index.js';
import { packModelNm } from '../src/compress/nxm-apply.js';
import { Rng } from '../src/core/rng.js';
import { BertForSequenceClassification, createModel, resolveConfig } from '../src/models/index.js';
import { encodeOnnx } from '../src/models/onnx/index.js';
import { tensor, tidy } from '../src/ops/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { BenchContext } from './harness.js';
import { median, settle } from './harness.js';
import { loadOrt } from './peers/onnxruntime.js';

type Ort = Awaited<ReturnType<typeof loadOrt>>;

async function ortInt8(
  ort: Ort,
  model: BertForSequenceClassification,
  ids: Int32Array,
  batch: number,
  seq: number,
): Promise<() => Promise<void>> {
  const session = await ort.InferenceSession.create(encodeOnnx(model), {
    intraOpNumThreads: getNumThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [batch, seq]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * seq).fill(1n), [batch, seq]),
  };
  return async () => {
    await session.run(feeds);
  };
}

function flag(args: readonly string[], name: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

function buildBert(
  name: string,
  scheme: QuantizeModelOptions | undefined,
): { model: BertForSequenceClassification; bytes: number } {
  const model = createModel(resolveConfig(name), { seed: 1 });
  if (!(model instanceof BertForSequenceClassification)) throw new Error(`${name} is not a BERT config`);
  model.eval();
  if (!scheme) {
    const bytes = model
      .namedParameters()
      .filter(([n]) => /\.(attn|mlp)\.\w+\.weight$/.test(n))
      .reduce((s, [, p]) => s + 4 * p.value.size, 0);
    return { model, bytes };
  }
  const report = quantizeModel(model, scheme);
  return { model, bytes: report.layers.reduce((s, l) => s + l.bytesAfter - 4 * l.outFeatures, 0) };
}

/** NxMiFormer 2:4 + INT8 weights (one-shot magnitude masks), run by the packed N:M kernel. */
function buildSparse(name: string): { model: BertForSequenceClassification; bytes: number } {
  const model = createModel(resolveConfig(name), { seed: 1 });
  if (!(model instanceof BertForSequenceClassification)) throw new Error(`${name} is not a BERT config`);
  model.eval();
  const bytes = packModelNm(model, { n: 2, m: 4, bits: 8 });
  return { model, bytes: bytes.reduce((s, b) => s + b.values + b.metadata + b.scales, 0) };
}

/** One copy of the output; toFloat32Array decodes element by element (~10 ms on bert-mini b8). */
function outputArray(t: Tensor): Float32Array {
  if (t.dtype !== 'f32' || !t.isContiguous) return t.toFloat32Array();
  return (t.data as Float32Array).slice(t.offset, t.offset + t.size);
}

function wanted(args: readonly string[]): (impl: string) => boolean {
  const list = flag(args, 'impls', '');
  if (list === '') return () => true;
  const names = new Set(list.split(',').map((n) => n.replace(/^frugal-/, '')));
  return (impl) => impl === 'frugal-fp32' || names.has(impl.replace(/^frugal-/, ''));
}

export default async function quant(ctx: BenchContext): Promise<void> {
  const name = flag(ctx.args, 'config', ctx.quick ? 'bert-mini' : 'bert-base');
  const batch = Number(flag(ctx.args, 'batch', '8'));
  const seq = Number(flag(ctx.args, 'seq', '128'));
  const label = `${name} b${batch} s${seq}`;
  const cfg = resolveConfig(name);
  const rng = new Rng(7);
  const idValues = Int32Array.from({ length: batch * seq }, () => rng.int(cfg.vocabSize));
  const ids: Tensor = tensor(idValues, { shape: [batch, seq] });
  ctx.note(
    `encoder forward ${label}, median of ${ctx.reps} round-robin samples; threads: FRUGAL_THREADS or all cores`,
  );
  const keep = wanted(ctx.args);
  const impls: [string, QuantizeModelOptions | undefined][] = [
    ['frugal-fp32', undefined],
    ['frugal-w8a8', { scheme: 'w8a8', weights: { sevenBit: false } }],
    ['frugal-w8a8-7bit', { scheme: 'w8a8', weights: { sevenBit: true } }],
    ['frugal-w4a8', { scheme: 'w4a8-mixed' }],
    ['frugal-ternary', { weights: { bits: 2 } }],
  ];
  const built = impls
    .filter(([impl]) => keep(impl))
    .map(([impl, scheme]) => ({ impl, ...buildBert(name, scheme) }));
  if (keep('frugal-2:4')) built.push({ impl: 'frugal-2:4', ...buildSparse(name) });
  // tidy gets no return value: it would walk a returned typed array element by element.
  const forward = (m: BertForSequenceClassification): Float32Array => {
    let out: Float32Array = new Float32Array(0);
    noGrad(() =>
      tidy(() => {
        out = outputArray(m.encode(ids).value);
      }),
    );
    return out;
  };
  const outputs = built.map((b) => forward(b.model));
  // onnxruntime runs the W8A8 export of the full-range-code model (its reduce_range analogue is
  // the 7-bit one; the export graph is the same).
  const fullRange = built.find((b) => b.impl === 'frugal-w8a8');
  const ortSource = keep('onnxruntime-int8')
    ? (fullRange ?? buildBert(name, { scheme: 'w8a8', weights: { sevenBit: false } }))
    : undefined;
  let ort: Ort | string;
  try {
    ort = await loadOrt();
  } catch (e) {
    ort = (e as Error).message.split('\n')[0]!;
  }
  const ortRun =
    typeof ort === 'string' || !ortSource
      ? undefined
      : await ortInt8(ort, ortSource.model, idValues, batch, seq);
  if (typeof ort === 'string') ctx.note(`onnxruntime-node skipped: ${ort}`);
  // Round-robin samples: on a shared machine, load that comes and goes hits every impl alike.
  // Process CPU time is recorded beside wall time: with one thread it is the compute time, which
  // time-slicing on an overloaded machine does not inflate (all threads' time is summed otherwise).
  const samples = built.map((): number[] => []);
  const cpu = built.map((): number[] => []);
  const ortSamples: number[] = [];
  const ortCpu: number[] = [];
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(since);
    return (d.user + d.system) / 1000;
  };
  for (let r = 0; r < ctx.reps; r++) {
    for (const [i, b] of built.entries()) {
      await settle();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      forward(b.model);
      samples[i]!.push(performance.now() - t0);
      cpu[i]!.push(cpuMs(c0));
    }
    if (ortRun) {
      if (r === 0) await ortRun();
      await settle();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await ortRun();
      ortSamples.push(performance.now() - t0);
      ortCpu.push(cpuMs(c0));
    }
  }
  const fp32 = median(samples[0]!);
  built.forEach((b, i) => {
    const ms = median(samples[i]!);
    ctx.emit({ case: label, impl: b.impl, metric: 'latency_ms', value: ms, unit: 'ms' });
    ctx.emit({ case: label, impl: b.impl, metric: 'cpu_ms', value: median(cpu[i]!), unit: 'ms' });
    ctx.emit({
      case: label,
      impl: b.impl,
      metric: 'linear_weights_mb',
      value: b.bytes / 2 ** 20,
      unit: 'MiB',
    });
    ctx.emit({
      case: label,
      impl: b.impl,
      metric: 'encoder_cosine',
      value: cosineSimilarity(outputs[i]!, outputs[0]!),
      unit: '',
    });
    if (i > 0)
      ctx.emit({ case: label, impl: b.impl, metric: 'latency_vs_fp32', value: ms / fp32, unit: 'x' });
  });
  if (ortSamples.length > 0) {
    const ortMs = median(ortSamples);
    ctx.emit({ case: label, impl: 'onnxruntime-int8', metric: 'latency_ms', value: ortMs, unit: 'ms' });
    ctx.emit({ case: label, impl: 'onnxruntime-int8', metric: 'cpu_ms', value: median(ortCpu), unit: 'ms' });
    ctx.emit({
      case: label,
      impl: 'onnxruntime-int8',
      metric: 'latency_vs_fp32',
      value: ortMs / fp32,
      unit: 'x',
    });
    built.forEach((b, i) => {
      if (!b.impl.startsWith('frugal-w8a8')) return;
      ctx.emit({
        case: label,
        impl: `${b.impl}/onnxruntime-int8`,
        metric: 'latency_ratio',
        value: median(samples[i]!) / ortMs,
        unit: 'x',
      });
      ctx.emit({
        case: label,
        impl: `${b.impl}/onnxruntime-int8`,
        metric: 'cpu_ratio',
        value: median(cpu[i]!) / median(ortCpu),
        unit: 'x',
      });
    });
  }
  for (const b of built) b.model.dispose();
  if (ortSource && !fullRange) ortSource.model.dispose();
  ids.dispose();
}
