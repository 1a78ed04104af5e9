/**
 * Inference with frugal/models: greedy decoding of the Llama and T5 presets with the KV cache
 * (generate) against recomputing the whole sequence every step, and BERT classification
 * forward passes. Frugal only: the point is the cache's gain and the presets' absolute speed.
 */
import { performance } from 'node:perf_hooks';
import { noGrad } from '../src/autograd/index.js';
import { median } from '../src/core/timing.js';
import {
  BertForSequenceClassification,
  LlamaForCausalLM,
  resolveConfig,
  T5ForConditionalGeneration,
} from '../src/models/index.js';
import * as F from '../src/ops/index.js';
import type { BenchContext } from './harness.js';

const argmaxLast = (logits: F.Tensor, t: number) => {
  const row = logits.slice(1, t - 1, t).toFlatArray();
  return row.indexOf(Math.max(...row));
};

function llamaRecompute(model: LlamaForCausalLM, prompt: readonly number[], n: number): number[] {
  const seq = [...prompt];
  noGrad(() => {
    for (let i = 0; i < n; i++) {
      seq.push(
        F.tidy(() =>
          argmaxLast(
            model.forward(F.tensor(Int32Array.from(seq), { shape: [1, seq.length] })).value,
            seq.length,
          ),
        ),
      );
    }
  });
  return seq.slice(prompt.length);
}

function t5Recompute(model: T5ForConditionalGeneration, input: readonly number[], n: number): number[] {
  const dec = [0];
  noGrad(() => {
    const enc = F.tensor(Int32Array.from(input), { shape: [1, input.length] });
    for (let i = 0; i < n; i++) {
      dec.push(
        F.tidy(() =>
          argmaxLast(
            model.forward(enc, F.tensor(Int32Array.from(dec), { shape: [1, dec.length] })).value,
            dec.length,
          ),
        ),
      );
    }
    enc.dispose();
  });
  return dec.slice(1);
}

function timeReps(reps: number, fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export default async function generate(ctx: BenchContext): Promise<void> {
  const reps = Math.min(ctx.reps, 5);
  const prompt = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 8000);
  const n = ctx.quick ? 16 : 64;
  for (const name of ['llama-tiny', 'llama-small']) {
    const config = resolveConfig(name);
    if (config.arch !== 'llama') continue;
    const model = new LlamaForCausalLM(config, { seed: 0 }).eval();
    const kase = `${name} prompt=32 new=${n}`;
    ctx.note(`${name}: ${model.parameterCount()} parameters`);
    const cached = timeReps(reps, () => model.generate(prompt, { maxNewTokens: n }));
    const full = timeReps(reps, () => llamaRecompute(model, prompt, n));
    ctx.emit({ case: kase, impl: 'frugal', metric: 'ms_per_token', value: cached / n, unit: 'ms' });
    ctx.emit({ case: kase, impl: 'frugal-recompute', metric: 'ms_per_token', value: full / n, unit: 'ms' });
    model.dispose();
  }
  const t5c = resolveConfig('t5-tiny');
  if (t5c.arch === 't5') {
    const model = new T5ForConditionalGeneration(t5c, { seed: 0 }).eval();
    const kase = `t5-tiny input=32 new=${n}`;
    const cached = timeReps(reps, () => model.generate(prompt, { maxNewTokens: n, decoderStartId: 0 }));
    const full = timeReps(reps, () => t5Recompute(model, prompt, n));
    ctx.emit({ case: kase, impl: 'frugal', metric: 'ms_per_token', value: cached / n, unit: 'ms' });
    ctx.emit({ case: kase, impl: 'frugal-recompute', metric: 'ms_per_token', value: full / n, unit: 'ms' });
    model.dispose();
  }
  const bertc = resolveConfig('bert-mini');
  if (bertc.arch === 'bert') {
    const model = new BertForSequenceClassification(bertc, { seed: 0 }).eval();
    const [b, t] = [8, 128];
    const ids = F.tensor(
      Int32Array.from({ length: b * t }, (_, i) => (i * 31 + 7) % 8000),
      { shape: [b, t] },
    );
    const ms = timeReps(reps, () => noGrad(() => F.tidy(() => model.forward(ids).value.toFlatArray())));
    ctx.emit({
      case: `bert-mini classify B=${b} T=${t}`,
      impl: 'frugal',
      metric: 'ms_per_batch',
      value: ms,
      unit: 'ms',
    });
    ids.dispose();
    model.dispose();
  }
}
