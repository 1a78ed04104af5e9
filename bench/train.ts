/**
 * Training-step throughput: one step (forward + backward + AdamW) of bert-mini (sequence
 * classification) and llama-tiny (causal LM) from src/models, against the same architectures
 * written with TensorFlow.js ops on the WASM backend, in one run. Reports tokens/s (median of
 * the timed steps after one warm-up step) and the extra bytes one step needs at its peak (Frugal:
 * the deterministic tensor account; tfjs: tf.profile). `--quick` shrinks batch and sequence;
 * `--only=bert-mini|llama-tiny` and `--frugal-only` narrow the run; `--steps=N` sets Frugal's
 * timed steps.
 */
import { performance } from 'node:perf_hooks';
import * as A from '../src/autograd/index.js';
import { Rng } from '../src/core/rng.js';
import {
  type BertConfig,
  BertForSequenceClassification,
  createModel,
  type LlamaConfig,
  LlamaForCausalLM,
  NAMED_CONFIGS,
} from '../src/models/index.js';
import * as F from '../src/ops/index.js';
import { AdamW } from '../src/optim/index.js';
import type { BenchContext } from './harness.js';
import { median } from './harness.js';
import { type ArchSpec, tfjsTrainStep } from './peers/tfjs-train.js';

const LR = 1e-4;

export interface StepResult {
  secondsPerStep: number;
  peakBytes: number;
  losses: number[];
}

function randomIds(rng: Rng, n: number, vocab: number): Int32Array {
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = rng.int(vocab);
  return ids;
}

/** Runs 1 warm-up step and `reps` timed steps; the peak is that of the last step. */
function frugalSteps(spec: ArchSpec, reps: number): StepResult {
  const rng = new Rng(7);
  const { batch: b, seq: t } = spec;
  const vocab = spec.config.vocabSize;
  const model = createModel(spec.config, { seed: 1 });
  model.train();
  const ids = F.tensor(randomIds(rng, b * t, vocab), { shape: [b, t] });
  const labels = F.tensor(randomIds(rng, b, 2), { shape: [b] });
  const next = F.tensor(randomIds(rng, b * t, vocab), { shape: [b * t] });
  const opt = new AdamW(model.parameters(), { lr: LR });
  const losses: number[] = [];
  const lossOf = (): A.Variable => {
    if (model instanceof BertForSequenceClassification) return A.crossEntropy(model.forward(ids), labels);
    if (model instanceof LlamaForCausalLM) {
      return A.crossEntropy(A.reshape(model.forward(ids), [b * t, vocab]), next);
    }
    throw new Error(`bench train has no loss for ${model.config.arch}`);
  };
  const step = () => {
    const loss = F.tidy(lossOf);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    losses.push(loss.value.item());
    loss.dispose();
  };
  step();
  const times: number[] = [];
  let peakBytes = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    peakBytes = F.measurePeakMemory(step).peakBytes;
    times.push((performance.now() - t0) / 1e3);
  }
  model.dispose();
  for (const x of [ids, labels, next]) x.dispose();
  return { secondsPerStep: median(times), peakBytes, losses };
}

const label = (s: ArchSpec, name: string) => `${name} b${s.batch} s${s.seq}`;

export default async function train(ctx: BenchContext): Promise<void> {
  const only = ctx.args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const size = (batch: number, seq: number) => (ctx.quick ? { batch: 4, seq: 32 } : { batch, seq });
  const cases: [string, ArchSpec][] = [
    ['bert-mini', { config: NAMED_CONFIGS['bert-mini'] as BertConfig, ...size(32, 128) }],
    ['llama-tiny', { config: NAMED_CONFIGS['llama-tiny'] as LlamaConfig, ...size(8, 128) }],
  ];
  const peers = !ctx.args.includes('--frugal-only');
  // tfjs-wasm steps take tens of seconds at full size: two timed steps keep the run in minutes.
  const steps = ctx.args.find((a) => a.startsWith('--steps='))?.slice('--steps='.length);
  const reps = steps !== undefined ? Math.max(1, Number(steps)) : ctx.quick ? 2 : Math.min(ctx.reps, 5);
  const peerReps = ctx.quick ? 1 : 2;
  for (const [name, spec] of cases) {
    if (only && only !== name) continue;
    const c = label(spec, name);
    const tokens = spec.batch * spec.seq;
    const fr = frugalSteps(spec, reps);
    const fmt = (ls: number[]) => ls.map((l) => l.toFixed(3)).join(' ');
    ctx.note(`${c}: frugal ${(fr.secondsPerStep * 1e3).toFixed(0)} ms/step, losses ${fmt(fr.losses)}`);
    ctx.emit({
      case: c,
      impl: 'frugal',
      metric: 'tokens_per_s',
      value: tokens / fr.secondsPerStep,
      unit: 'tok/s',
    });
    ctx.emit({ case: c, impl: 'frugal', metric: 'peak_bytes', value: fr.peakBytes, unit: 'B' });
    if (!peers) continue;
    const tf = await tfjsTrainStep(spec, LR, peerReps);
    ctx.note(
      `${c}: tfjs-wasm ${(tf.secondsPerStep * 1e3).toFixed(0)} ms/step (${tf.threads} threads), losses ${fmt(tf.losses)}`,
    );
    ctx.emit({
      case: c,
      impl: 'tfjs-wasm',
      metric: 'tokens_per_s',
      value: tokens / tf.secondsPerStep,
      unit: 'tok/s',
    });
    ctx.emit({ case: c, impl: 'tfjs-wasm', metric: 'peak_bytes', value: tf.peakBytes, unit: 'B' });
    ctx.emit({
      case: c,
      impl: 'frugal/tfjs-wasm',
      metric: 'speedup',
      value: tf.secondsPerStep / fr.secondsPerStep,
      unit: 'x',
    });
  }
}
