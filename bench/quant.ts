/**
 * ZeroQuant inference speed: BERT encoder forward latency (batch 8 x 128 tokens by default) in
 * f32, W8A8 (INT8 weights and token-wise INT8 activations) and W4A8 (ZeroQuant's mixed W4/8-A8:
 * INT8 attention, packed INT4 feed-forward), all built from the same seeded weights in one
 * process; plus the quantized Linear weights' size and the encoder output's cosine to f32.
 * `--quick`: bert-mini. `--config=<name>`, `--batch=<n>`, `--seq=<n>` override the case.
 * onnxruntime-node INT8 is not run: Frugal has no ONNX exporter yet (see notes/compress.md).
 */
import { noGrad } from '../src/autograd/index.js';
import { type QuantScheme, quantizeModel } from '../src/compress/index.js';
import { Rng } from '../src/core/rng.js';
import { BertForSequenceClassification, createModel, resolveConfig } from '../src/models/index.js';
import { tensor, tidy } from '../src/ops/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { BenchContext } from './harness.js';
import { timeMedian } from './harness.js';

function flag(args: readonly string[], name: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

function buildBert(
  name: string,
  scheme: QuantScheme | undefined,
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
  const report = quantizeModel(model, { scheme });
  return { model, bytes: report.layers.reduce((s, l) => s + l.bytesAfter - 4 * l.outFeatures, 0) };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

export default async function quant(ctx: BenchContext): Promise<void> {
  const name = flag(ctx.args, 'config', ctx.quick ? 'bert-mini' : 'bert-base');
  const batch = Number(flag(ctx.args, 'batch', '8'));
  const seq = Number(flag(ctx.args, 'seq', '128'));
  const label = `${name} b${batch} s${seq}`;
  const cfg = resolveConfig(name);
  const rng = new Rng(7);
  const ids: Tensor = tensor(
    Int32Array.from({ length: batch * seq }, () => rng.int(cfg.vocabSize)),
    {
      shape: [batch, seq],
    },
  );
  ctx.note(`encoder forward ${label}, median of ${ctx.reps}; threads: FRUGAL_THREADS or all cores`);
  const impls: [string, QuantScheme | undefined][] = [
    ['frugal-fp32', undefined],
    ['frugal-w8a8', 'w8a8'],
    ['frugal-w4a8', 'w4a8-mixed'],
  ];
  let reference: Float32Array | undefined;
  const latency = new Map<string, number>();
  for (const [impl, scheme] of impls) {
    const { model, bytes } = buildBert(name, scheme);
    const run = () => noGrad(() => tidy(() => model.encode(ids).value.toFloat32Array()));
    const out = run();
    reference ??= out;
    const secs = await timeMedian(run, { reps: ctx.reps, warmup: 1, minMs: 0 });
    latency.set(impl, secs);
    ctx.emit({ case: label, impl, metric: 'latency_ms', value: secs * 1000, unit: 'ms' });
    ctx.emit({ case: label, impl, metric: 'linear_weights_mb', value: bytes / 2 ** 20, unit: 'MiB' });
    ctx.emit({ case: label, impl, metric: 'encoder_cosine', value: cosine(out, reference), unit: '' });
    model.dispose();
  }
  const fp32 = latency.get('frugal-fp32')!;
  for (const impl of ['frugal-w8a8', 'frugal-w4a8']) {
    ctx.emit({ case: label, impl, metric: 'latency_vs_fp32', value: latency.get(impl)! / fp32, unit: 'x' });
  }
  ids.dispose();
}
