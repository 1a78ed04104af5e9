/**
 * TensorFlow.js (WASM backend) training-step peer for bench/train.ts: the same BERT-style
 * classifier and Llama-style LM written with tf.* ops, trained with tf.train.adam plus decoupled
 * weight decay (AdamW) through optimizer.minimize.
 */
import { register } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Rng } from '../../src/core/rng.js';
import { median } from '../harness.js';
import { loadTfjsWasm } from './tfjs-wasm.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type T = import('@tensorflow/tfjs-core').Tensor;
type Var = import('@tensorflow/tfjs-core').Variable;

/** The architecture both implementations build (same dims, batch and sequence length). */
export interface ArchSpec {
  arch: 'bert' | 'llama';
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
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

function buildModel(tf: Tf, spec: ArchSpec, seed: number) {
  const p = new Params(tf, new Rng(seed));
  const { hidden: c, intermediate: f, vocab, heads: h, seq: t, batch: b } = spec;
  const d = c / h;
  const bert = spec.arch === 'bert';
  const linear = (i: number, o: number, bias: boolean): LinearW => {
    const bound = 1 / Math.sqrt(i);
    return bias ? { w: p.uniform([o, i], bound), b: p.uniform([o], bound) } : { w: p.uniform([o, i], bound) };
  };
  const apply = (l: LinearW, x: T): T => {
    const y = tf.matMul(x, l.w, false, true);
    return l.b ? tf.add(y, l.b) : y;
  };
  const norm = () => ({ g: p.constant([c], 1), b: bert ? p.constant([c], 0) : undefined });
  const normApply = (n: { g: Var; b: Var | undefined }, x: T): T => {
    if (n.b) {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-12))), n.g), n.b);
    }
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), n.g);
  };
  const tok = p.normal([vocab, c], 0.02);
  const pos = bert ? p.normal([t, c], 0.02) : undefined;
  const embNorm = bert ? norm() : undefined;
  const layers = Array.from({ length: spec.layers }, () => ({
    n1: norm(),
    q: linear(c, c, bert),
    k: linear(c, c, bert),
    v: linear(c, c, bert),
    o: linear(c, c, bert),
    n2: norm(),
    gate: bert ? undefined : linear(c, f, false),
    up: linear(c, f, bert),
    down: linear(f, c, bert),
  }));
  const finalNorm = bert ? undefined : norm();
  const pooler = bert ? linear(c, c, true) : undefined;
  const head = bert ? linear(c, 2, true) : linear(c, vocab, false);
  const causal = bert
    ? undefined
    : tf.tensor2d(
        Float32Array.from({ length: t * t }, (_, i) => (i % t > Math.floor(i / t) ? -1e9 : 0)),
        [t, t],
      );
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
  const heads = (x: T) => tf.transpose(tf.reshape(x, [b, t, h, d]), [0, 2, 1, 3]);
  const attention = (l: (typeof layers)[number], x: T): T => {
    const q = heads(apply(l.q, x));
    const k = heads(apply(l.k, x));
    const v = heads(apply(l.v, x));
    let s = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d));
    if (causal) s = tf.add(s, causal);
    const o = tf.matMul(tf.softmax(s), v);
    return apply(l.o, tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b * t, c]));
  };
  const gelu = (x: T) =>
    tf.mul(
      tf.mul(x, 0.5),
      tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI)))),
    );
  const mlp = (l: (typeof layers)[number], x: T): T =>
    l.gate
      ? apply(l.down, tf.mul(tf.mul(apply(l.gate, x), tf.sigmoid(apply(l.gate, x))), apply(l.up, x)))
      : apply(l.down, gelu(apply(l.up, x)));
  /** Logits: [B, 2] (bert) or [B·T, vocab] (llama); rows of x are [B·T, C] throughout. */
  const forward = (ids: T, positions: T): T => {
    let x = embed(tok, ids);
    if (pos && embNorm) x = normApply(embNorm, tf.add(x, embed(pos, positions)));
    for (const l of layers) {
      if (bert) {
        const hh = normApply(l.n1, tf.add(x, attention(l, x)));
        x = normApply(l.n2, tf.add(hh, mlp(l, hh)));
      } else {
        const hh = tf.add(x, attention(l, normApply(l.n1, x)));
        x = tf.add(hh, mlp(l, normApply(l.n2, hh)));
      }
    }
    if (pooler) {
      const cls = tf.reshape(tf.slice(tf.reshape(x, [b, t, c]), [0, 0, 0], [b, 1, c]), [b, c]);
      return apply(head, tf.tanh(apply(pooler, cls)));
    }
    return apply(head, normApply(finalNorm!, x));
  };
  const dispose = () => {
    for (const v of p.list) v.dispose();
    causal?.dispose();
  };
  return { forward, params: p.list, dispose };
}

/** One warm-up step, then `reps` timed steps; the peak comes from one extra profiled step. */
export async function tfjsTrainStep(spec: ArchSpec, lr: number, reps: number): Promise<TfjsStepResult> {
  const { tf, threads } = await loadTfjsWasm(availableParallelism());
  await registerTfjsGradients();
  const rng = new Rng(7);
  const { batch: b, seq: t, vocab } = spec;
  const ids = tf.tensor2d(
    Int32Array.from({ length: b * t }, () => rng.int(vocab)),
    [b, t],
    'int32',
  );
  const positions = tf.tensor2d(
    Int32Array.from({ length: b * t }, (_, i) => i % t),
    [b, t],
    'int32',
  );
  const labels = Int32Array.from({ length: b }, () => rng.int(2));
  const next = Int32Array.from({ length: b * t }, () => rng.int(vocab));
  const onehot =
    spec.arch === 'bert'
      ? tf.oneHot(tf.tensor1d(labels, 'int32'), 2)
      : tf.oneHot(tf.tensor1d(next, 'int32'), vocab);
  const model = buildModel(tf, spec, 1);
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const losses: number[] = [];
  const step = () => {
    const loss = opt.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          onehot,
          model.forward(ids, positions),
        ) as import('@tensorflow/tfjs-core').Scalar,
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
  for (const x of [ids, positions, onehot]) x.dispose();
  return { secondsPerStep: median(times), peakBytes, losses, threads };
}
