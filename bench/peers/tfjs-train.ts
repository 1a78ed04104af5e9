/**
 * TensorFlow.js (WASM backend) training-step peer for bench/train.ts: the same BERT-style
 * classifier and Llama-style LM written with tf.* ops, trained with tf.train.adam plus decoupled
 * weight decay (AdamW) through optimizer.minimize.
 */
import { register } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Rng } from '../../src/core/rng.js';
import type { BertConfig, LlamaConfig } from '../../src/models/index.js';
import { median } from '../harness.js';
import { loadTfjsWasm } from './tfjs-wasm.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type T = import('@tensorflow/tfjs-core').Tensor;
type Var = import('@tensorflow/tfjs-core').Variable;

/** The model both implementations build, with the batch and sequence length of one step. */
export interface ArchSpec {
  config: BertConfig | LlamaConfig;
  batch: number;
  seq: number;
}

export interface TfjsStepResult {
  secondsPerStep: number;
  peakBytes: number;
  losses: number[];
  threads: number;
}

const WEIGHT_DECAY = 0.01;

/**
 * tfjs-core's node bundle registers no gradients; its ESM register_all_gradients does, into the
 * same global registry, but imports extensionless paths where a file and a folder share a name
 * ('./gradients'), which Node's ESM resolver rejects. The hook retries those as '<path>.js'.
 */
let gradients: Promise<unknown> | undefined;
function registerTfjsGradients(): Promise<unknown> {
  const hook = `export async function resolve(s, c, next) {
    try { return await next(s, c); } catch (e) {
      if (e && e.code === 'ERR_UNSUPPORTED_DIR_IMPORT' && s.startsWith('.')) return next(s + '.js', c);
      throw e;
    }
  }`;
  gradients ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return gradients;
}

class Params {
  readonly list: Var[] = [];
  constructor(
    private readonly tf: Tf,
    private readonly rng: Rng,
  ) {}
  uniform(shape: number[], bound: number): Var {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = (this.rng.uniform() * 2 - 1) * bound;
    return this.add(this.tf.tensor(v, shape));
  }
  normal(shape: number[], std: number): Var {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.rng.normal() * std;
    return this.add(this.tf.tensor(v, shape));
  }
  constant(shape: number[], value: number): Var {
    return this.add(this.tf.fill(shape, value));
  }
  private add(t: T): Var {
    const v = this.tf.variable(t);
    t.dispose();
    this.list.push(v);
    return v;
  }
}

interface LinearW {
  w: Var;
  b?: Var;
}

/** Dense weights; embeddings are gathered rows with a scatterND gradient (see embed). */
function layerTools(tf: Tf, p: Params, b: number, t: number) {
  const linear = (i: number, o: number, bias: boolean): LinearW => {
    const bound = 1 / Math.sqrt(i);
    return bias ? { w: p.uniform([o, i], bound), b: p.uniform([o], bound) } : { w: p.uniform([o, i], bound) };
  };
  const apply = (l: LinearW, x: T): T => {
    const y = tf.matMul(x, l.w, false, true);
    return l.b ? tf.add(y, l.b) : y;
  };
  // The wasm backend lacks UnsortedSegmentSum (gather's gradient): scatterND sums duplicate rows.
  const embed = (table: Var, ids: T): T =>
    tf.customGrad((...inputs) => {
      const w = inputs[0] as T;
      const flat = tf.reshape(ids, [b * t]);
      return {
        value: tf.gather(w, flat),
        gradFunc: (dy: T) => [tf.scatterND(tf.reshape(flat, [b * t, 1]), dy, w.shape)],
      };
    })(table) as T;
  return { linear, apply, embed };
}

/** Post-norm BERT classifier as src/models/bert.ts: GELU (erf), dropout where Frugal has it. */
function buildBert(tf: Tf, c: BertConfig, b: number, t: number, seed: number) {
  const p = new Params(tf, new Rng(seed));
  const { linear, apply, embed } = layerTools(tf, p, b, t);
  const { hidden: h, heads, dropout: rate } = c;
  const d = h / heads;
  const norm = () => ({ g: p.constant([h], 1), b: p.constant([h], 0) });
  const ln = (n: { g: Var; b: Var }, x: T): T => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, c.layerNormEps))), n.g), n.b);
  };
  const drop = (x: T) => (rate > 0 ? tf.dropout(x, rate) : x);
  const word = p.normal([c.vocabSize, h], 0.02);
  const pos = p.normal([c.maxPositions, h], 0.02);
  const type = p.normal([c.typeVocabSize, h], 0.02);
  const embNorm = norm();
  const layers = Array.from({ length: c.layers }, () => ({
    q: linear(h, h, true),
    k: linear(h, h, true),
    v: linear(h, h, true),
    o: linear(h, h, true),
    n1: norm(),
    up: linear(h, c.intermediate, true),
    down: linear(c.intermediate, h, true),
    n2: norm(),
  }));
  const pooler = linear(h, h, true);
  const classifier = linear(h, c.numLabels, true);
  const positions = tf.tensor2d(
    Int32Array.from({ length: b * t }, (_, i) => i % t),
    [b, t],
    'int32',
  );
  const types = tf.zeros([b, t], 'int32');
  const split = (x: T) => tf.transpose(tf.reshape(x, [b, t, heads, d]), [0, 2, 1, 3]);
  const gelu = (x: T) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const forward = (ids: T): T => {
    let x = tf.add(tf.add(embed(word, ids), embed(pos, positions)), embed(type, types));
    x = drop(ln(embNorm, x));
    for (const l of layers) {
      const s = tf.mul(tf.matMul(split(apply(l.q, x)), split(apply(l.k, x)), false, true), 1 / Math.sqrt(d));
      const a = tf.matMul(drop(tf.softmax(s)), split(apply(l.v, x)));
      const attn = apply(l.o, tf.reshape(tf.transpose(a, [0, 2, 1, 3]), [b * t, h]));
      const hh = ln(l.n1, tf.add(x, drop(attn)));
      x = ln(l.n2, tf.add(hh, drop(apply(l.down, gelu(apply(l.up, hh))))));
    }
    const cls = tf.reshape(tf.slice(tf.reshape(x, [b, t, h]), [0, 0, 0], [b, 1, h]), [b, h]);
    return apply(classifier, drop(tf.tanh(apply(pooler, cls))));
  };
  const dispose = () => {
    for (const v of p.list) v.dispose();
    positions.dispose();
    types.dispose();
  };
  return { forward, params: p.list, dispose };
}

/** Llama as src/models/llama.ts: RMSNorm, RoPE (rotate-half), grouped-query attention, SwiGLU, tied head. */
function buildLlama(tf: Tf, c: LlamaConfig, b: number, t: number, seed: number) {
  const p = new Params(tf, new Rng(seed));
  const { linear, apply, embed } = layerTools(tf, p, b, t);
  const { hidden: h, heads, kvHeads } = c;
  const d = h / heads;
  const group = heads / kvHeads;
  const rms = (g: Var, x: T): T =>
    tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), c.rmsNormEps))), g);
  const tok = p.normal([c.vocabSize, h], 0.02);
  const layers = Array.from({ length: c.layers }, () => ({
    n1: p.constant([h], 1),
    q: linear(h, heads * d, false),
    k: linear(h, kvHeads * d, false),
    v: linear(h, kvHeads * d, false),
    o: linear(h, h, false),
    n2: p.constant([h], 1),
    gate: linear(h, c.intermediate, false),
    up: linear(h, c.intermediate, false),
    down: linear(c.intermediate, h, false),
  }));
  const finalNorm = p.constant([h], 1);
  const angles = Float32Array.from({ length: t * (d / 2) }, (_, i) => {
    const pos = Math.floor(i / (d / 2));
    return pos * c.ropeTheta ** (-(2 * (i % (d / 2))) / d);
  });
  const ang = tf.tensor2d(angles, [t, d / 2]);
  const cos = tf.concat([tf.cos(ang), tf.cos(ang)], 1);
  const sin = tf.concat([tf.sin(ang), tf.sin(ang)], 1);
  ang.dispose();
  const causal = tf.tensor2d(
    Float32Array.from({ length: t * t }, (_, i) => (i % t > Math.floor(i / t) ? -1e9 : 0)),
    [t, t],
  );
  const split = (x: T, n: number) => tf.transpose(tf.reshape(x, [b, t, n, d]), [0, 2, 1, 3]);
  const rope = (x: T): T => {
    const [x1, x2] = tf.split(x, 2, 3);
    return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2!), x1!], 3), sin));
  };
  // Rank 4: tfjs has no tile gradient above rank 4.
  const repeat = (x: T): T =>
    group === 1
      ? x
      : tf.reshape(tf.tile(tf.reshape(x, [b * kvHeads, 1, t, d]), [1, group, 1, 1]), [b, heads, t, d]);
  const forward = (ids: T): T => {
    let x = embed(tok, ids);
    for (const l of layers) {
      const n = rms(l.n1, x);
      const q = rope(split(apply(l.q, n), heads));
      const k = repeat(rope(split(apply(l.k, n), kvHeads)));
      const v = repeat(split(apply(l.v, n), kvHeads));
      const s = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)), causal);
      const a = tf.reshape(tf.transpose(tf.matMul(tf.softmax(s), v), [0, 2, 1, 3]), [b * t, h]);
      const hh = tf.add(x, apply(l.o, a));
      const m = rms(l.n2, hh);
      const gate = apply(l.gate, m);
      x = tf.add(hh, apply(l.down, tf.mul(tf.mul(gate, tf.sigmoid(gate)), apply(l.up, m))));
    }
    return tf.matMul(rms(finalNorm, x), tok, false, true);
  };
  const dispose = () => {
    for (const v of p.list) v.dispose();
    for (const x of [cos, sin, causal]) x.dispose();
  };
  return { forward, params: p.list, dispose };
}

/** One warm-up step, then `reps` timed steps; the peak comes from one extra profiled step. */
export async function tfjsTrainStep(spec: ArchSpec, lr: number, reps: number): Promise<TfjsStepResult> {
  const { tf, threads } = await loadTfjsWasm(availableParallelism());
  await registerTfjsGradients();
  const rng = new Rng(7);
  const { batch: b, seq: t, config } = spec;
  const vocab = config.vocabSize;
  const ids = tf.tensor2d(
    Int32Array.from({ length: b * t }, () => rng.int(vocab)),
    [b, t],
    'int32',
  );
  const labels = Int32Array.from({ length: b }, () => rng.int(2));
  const next = Int32Array.from({ length: b * t }, () => rng.int(vocab));
  const onehot =
    config.arch === 'bert'
      ? tf.oneHot(tf.tensor1d(labels, 'int32'), 2)
      : tf.oneHot(tf.tensor1d(next, 'int32'), vocab);
  const model = config.arch === 'bert' ? buildBert(tf, config, b, t, 1) : buildLlama(tf, config, b, t, 1);
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const losses: number[] = [];
  const step = () => {
    const loss = opt.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(onehot, model.forward(ids)) as import('@tensorflow/tfjs-core').Scalar,
      true,
      model.params,
    );
    tf.tidy(() => {
      for (const v of model.params) v.assign(tf.mul(v, 1 - lr * WEIGHT_DECAY));
    });
    losses.push(loss!.dataSync()[0]!);
    loss!.dispose();
  };
  step();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    step();
    times.push((performance.now() - t0) / 1e3);
  }
  const before = tf.memory().numBytes;
  const info = await tf.profile(step);
  const peakBytes = info.peakBytes - before;
  model.dispose();
  opt.dispose();
  for (const x of [ids, onehot]) x.dispose();
  return { secondsPerStep: median(times), peakBytes, losses, threads };
}
