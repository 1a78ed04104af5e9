/**
 * Training-step throughput: one step (forward + backward + AdamW) of a BERT-style classifier and
 * a Llama-style causal LM, Frugal against the same architecture in TensorFlow.js on the WASM
 * backend, in one run. Reports tokens/s (median of ctx.reps steps after one warm-up step) and
 * the peak bytes one step needs (Frugal: the deterministic tensor account; tfjs: tf.profile).
 */
import { performance } from 'node:perf_hooks';
import * as A from '../src/autograd/index.js';
import { Rng } from '../src/core/rng.js';
import * as nn from '../src/nn/index.js';
import * as F from '../src/ops/index.js';
import { AdamW } from '../src/optim/index.js';
import type { BenchContext } from './harness.js';
import { median } from './harness.js';
import { type ArchSpec, tfjsTrainStep } from './peers/tfjs-train.js';

const LR = 1e-4;

/** Post-norm BERT encoder layer: h = LN(x + attn(x)); out = LN(h + mlp(h)). */
class PostNormLayer extends nn.Module {
  readonly attn: nn.MultiHeadAttention;
  readonly ln1: nn.LayerNorm;
  readonly mlp: nn.MLP;
  readonly ln2: nn.LayerNorm;
  constructor(spec: ArchSpec, rng: Rng) {
    super();
    this.attn = this.addModule('attn', new nn.MultiHeadAttention(spec.hidden, spec.heads, { rng }));
    this.ln1 = this.addModule('ln1', new nn.LayerNorm(spec.hidden, { eps: 1e-12 }));
    this.mlp = this.addModule('mlp', new nn.MLP(spec.hidden, spec.intermediate, 'gelu', { rng }));
    this.ln2 = this.addModule('ln2', new nn.LayerNorm(spec.hidden, { eps: 1e-12 }));
  }
  forward(x: A.Variable): A.Variable {
    const h = this.ln1.forward(A.add(x, this.attn.forward(x)));
    return this.ln2.forward(A.add(h, this.mlp.forward(h)));
  }
}

/** BERT-style sequence classifier: token + position embeddings, post-norm layers, tanh pooler. */
class BertClassifier extends nn.Module {
  readonly tok: nn.Embedding;
  readonly pos: nn.Embedding;
  readonly lnEmb: nn.LayerNorm;
  readonly layers: PostNormLayer[];
  readonly pooler: nn.Linear;
  readonly head: nn.Linear;
  constructor(
    readonly spec: ArchSpec,
    seed: number,
  ) {
    super();
    const rng = new Rng(seed);
    this.tok = this.addModule('tok', new nn.Embedding(spec.vocab, spec.hidden, { rng, std: 0.02 }));
    this.pos = this.addModule('pos', new nn.Embedding(spec.seq, spec.hidden, { rng, std: 0.02 }));
    this.lnEmb = this.addModule('lnEmb', new nn.LayerNorm(spec.hidden, { eps: 1e-12 }));
    this.layers = Array.from({ length: spec.layers }, (_, i) =>
      this.addModule(`layer${i}`, new PostNormLayer(spec, rng)),
    );
    this.pooler = this.addModule('pooler', new nn.Linear(spec.hidden, spec.hidden, { rng }));
    this.head = this.addModule('head', new nn.Linear(spec.hidden, 2, { rng }));
  }
  forward(ids: F.Tensor, positions: F.Tensor): A.Variable {
    let x = this.lnEmb.forward(A.add(this.tok.forward(ids), this.pos.forward(positions)));
    for (const l of this.layers) x = l.forward(x);
    const cls = A.reshape(A.slice(x, 1, 0, 1), [this.spec.batch, this.spec.hidden]);
    return this.head.forward(A.tanh(this.pooler.forward(cls)));
  }
}

/** Llama-style causal LM: pre-norm RMSNorm blocks with SwiGLU and causal attention, tied-free head. */
class LlamaLm extends nn.Module {
  readonly tok: nn.Embedding;
  readonly blocks: nn.TransformerBlock[];
  readonly norm: nn.RMSNorm;
  readonly head: nn.Linear;
  constructor(
    readonly spec: ArchSpec,
    seed: number,
  ) {
    super();
    const rng = new Rng(seed);
    this.tok = this.addModule('tok', new nn.Embedding(spec.vocab, spec.hidden, { rng, std: 0.02 }));
    this.blocks = Array.from({ length: spec.layers }, (_, i) =>
      this.addModule(
        `block${i}`,
        new nn.TransformerBlock(spec.hidden, spec.heads, {
          rng,
          norm: 'rms',
          mlp: 'swiglu',
          hidden: spec.intermediate,
        }),
      ),
    );
    this.norm = this.addModule('norm', new nn.RMSNorm(spec.hidden));
    this.head = this.addModule('head', new nn.Linear(spec.hidden, spec.vocab, { rng, bias: false }));
  }
  forward(ids: F.Tensor): A.Variable {
    let x = this.tok.forward(ids);
    for (const b of this.blocks) x = b.forward(x, { causal: true });
    return this.head.forward(this.norm.forward(x));
  }
}

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
  const { batch: b, seq: t, vocab } = spec;
  const ids = F.tensor(randomIds(rng, b * t, vocab), { shape: [b, t] });
  const bert = spec.arch === 'bert' ? new BertClassifier(spec, 1) : undefined;
  const llama = spec.arch === 'llama' ? new LlamaLm(spec, 1) : undefined;
  const model = (bert ?? llama)!;
  const positions = F.tensor(
    Int32Array.from({ length: b * t }, (_, i) => i % t),
    { shape: [b, t] },
  );
  const labels = F.tensor(randomIds(rng, b, 2), { shape: [b] });
  const next = F.tensor(randomIds(rng, b * t, vocab), { shape: [b * t] });
  const opt = new AdamW(model.parameters(), { lr: LR });
  const losses: number[] = [];
  const step = () => {
    const loss = F.tidy(() =>
      bert
        ? A.crossEntropy(bert.forward(ids, positions), labels)
        : A.crossEntropy(A.reshape(llama!.forward(ids), [b * t, vocab]), next),
    );
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
  for (const x of [ids, positions, labels, next]) x.dispose();
  return { secondsPerStep: median(times), peakBytes, losses };
}

const BERT_MINI: ArchSpec = {
  arch: 'bert',
  vocab: 8192,
  hidden: 256,
  layers: 4,
  heads: 4,
  intermediate: 1024,
  batch: 32,
  seq: 128,
};
/** The Llama-tiny dimensions (NAMED_CONFIGS['llama-tiny'] in src/models). */
const LLAMA_TINY: ArchSpec = {
  arch: 'llama',
  vocab: 8192,
  hidden: 256,
  layers: 4,
  heads: 4,
  intermediate: 688,
  batch: 8,
  seq: 128,
};

const label = (s: ArchSpec, name: string) => `${name} b${s.batch} s${s.seq}`;

export default async function train(ctx: BenchContext): Promise<void> {
  const only = ctx.args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const shrink = (s: ArchSpec): ArchSpec => (ctx.quick ? { ...s, batch: 4, seq: 32 } : s);
  const cases: [string, ArchSpec][] = [
    ['bert-mini', shrink(BERT_MINI)],
    ['llama-tiny', shrink(LLAMA_TINY)],
  ];
  const peers = !ctx.args.includes('--frugal-only');
  const reps = ctx.quick ? 2 : Math.min(ctx.reps, 5);
  for (const [name, spec] of cases) {
    if (only && only !== name) continue;
    const c = label(spec, name);
    const tokens = spec.batch * spec.seq;
    const fr = frugalSteps(spec, reps);
    ctx.note(
      `${c}: frugal ${(fr.secondsPerStep * 1e3).toFixed(0)} ms/step, losses ${fr.losses.map((l) => l.toFixed(3)).join(' ')}`,
    );
    ctx.emit({
      case: c,
      impl: 'frugal',
      metric: 'tokens_per_s',
      value: tokens / fr.secondsPerStep,
      unit: 'tok/s',
    });
    ctx.emit({ case: c, impl: 'frugal', metric: 'peak_bytes', value: fr.peakBytes, unit: 'B' });
    if (!peers) continue;
    const tf = await tfjsTrainStep(spec, LR, reps);
    ctx.note(
      `${c}: tfjs-wasm ${(tf.secondsPerStep * 1e3).toFixed(0)} ms/step (${tf.threads} threads), losses ${tf.losses.map((l) => l.toFixed(3)).join(' ')}`,
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
