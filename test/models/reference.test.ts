/**
 * The models against plain float64 loops written from the Hugging Face modeling code (Llama:
 * rotate-half RoPE, GQA, SwiGLU, RMSNorm; T5: unscaled attention, relative bias, tied scaled head;
 * BERT: post-norm, erf GELU, tanh pooler), one token row at a time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BertForSequenceClassification,
  LlamaForCausalLM,
  relativeBucket,
  resolveConfig,
  T5ForConditionalGeneration,
} from '../../src/models/index.js';
import * as F from '../../src/ops/index.js';

type Vec = number[];
type Weights = Record<string, { data: Vec; shape: readonly number[] }>;

function weightsOf(model: { stateDict(): Record<string, F.Tensor> }): Weights {
  return Object.fromEntries(
    Object.entries(model.stateDict()).map(([n, t]) => [n, { data: t.toFlatArray(), shape: t.shape }]),
  );
}

/** y = W x (+ b) with W [out, in]. */
function linear(w: Weights, name: string, x: Vec, bias = false): Vec {
  const { data, shape } = w[`${name}.weight`]!;
  const [out, inp] = shape as [number, number];
  const b = bias ? w[`${name}.bias`]!.data : undefined;
  return Array.from({ length: out }, (_, o) => {
    let s = b ? b[o]! : 0;
    for (let i = 0; i < inp; i++) s += data[o * inp + i]! * x[i]!;
    return s;
  });
}
const row = (w: Weights, name: string, i: number): Vec => {
  const { data, shape } = w[name]!;
  const d = shape[1]!;
  return data.slice(i * d, (i + 1) * d);
};
const add = (a: Vec, b: Vec) => a.map((v, i) => v + b[i]!);
const rms = (x: Vec, g: Vec, eps: number) => {
  const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + eps);
  return x.map((v, i) => v * r * g[i]!);
};
const layerNorm = (x: Vec, w: Weights, name: string, eps: number) => {
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  const v = x.reduce((s, y) => s + (y - m) ** 2, 0) / x.length;
  const g = w[`${name}.weight`]!.data;
  const b = w[`${name}.bias`]!.data;
  return x.map((y, i) => ((y - m) / Math.sqrt(v + eps)) * g[i]! + b[i]!);
};
const softmax = (s: Vec) => {
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
};
const erf = (x: number) => {
  // Abramowitz–Stegun 7.1.26 is too coarse; integrate the series instead (|x| is small here).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

/** Attention of queries qs [T][H·D] over keys/values ks, vs [S][G·D]; bias(h, t, s) added; mask(t, s). */
function attention(
  qs: Vec[],
  ks: Vec[],
  vs: Vec[],
  heads: number,
  kvHeads: number,
  d: number,
  scale: number,
  allowed: (t: number, s: number) => boolean,
  bias: (h: number, t: number, s: number) => number = () => 0,
): Vec[] {
  return qs.map((q, t) => {
    const out: Vec = [];
    for (let h = 0; h < heads; h++) {
      const g = Math.floor(h / (heads / kvHeads));
      const keys = ks.map((_, s) => s).filter((s) => allowed(t, s));
      const scores = keys.map((s) => {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[h * d + i]! * ks[s]![g * d + i]!;
        return dot * scale + bias(h, t, s);
      });
      const p = softmax(scores);
      for (let i = 0; i < d; i++) out.push(keys.reduce((acc, s, j) => acc + p[j]! * vs[s]![g * d + i]!, 0));
    }
    return out;
  });
}

function rope(x: Vec, pos: number, heads: number, d: number, theta: number): Vec {
  const y = [...x];
  const half = d / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const a = pos * theta ** (-(2 * i) / d);
      const x1 = x[h * d + i]!;
      const x2 = x[h * d + half + i]!;
      y[h * d + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
      y[h * d + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
    }
  }
  return y;
}

function assertClose(got: number[], want: number[], tol: number) {
  assert.equal(got.length, want.length);
  for (const [i, v] of got.entries()) {
    assert.ok(Math.abs(v - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `element ${i}: ${v} vs ${want[i]}`);
  }
}

describe('models against float64 references of the Hugging Face formulas', () => {
  it('Llama', () => {
    const c = resolveConfig('llama-tiny', {
      vocabSize: 13,
      hidden: 12,
      layers: 2,
      heads: 3,
      kvHeads: 1,
      intermediate: 10,
      ropeTheta: 500,
    });
    assert.ok(c.arch === 'llama');
    const model = new LlamaForCausalLM(c, { seed: 1 });
    const w = weightsOf(model);
    const tokens = [3, 7, 1, 12, 5];
    const d = c.hidden / c.heads;
    let xs = tokens.map((t) => row(w, 'embed.weight', t));
    for (let l = 0; l < c.layers; l++) {
      const p = `blocks.${l}.`;
      const hs = xs.map((x) => rms(x, w[`${p}norm1.weight`]!.data, c.rmsNormEps));
      const qs = hs.map((h, t) => rope(linear(w, `${p}attn.q`, h), t, c.heads, d, c.ropeTheta));
      const ks = hs.map((h, t) => rope(linear(w, `${p}attn.k`, h), t, c.kvHeads, d, c.ropeTheta));
      const vs = hs.map((h) => linear(w, `${p}attn.v`, h));
      const att = attention(qs, ks, vs, c.heads, c.kvHeads, d, 1 / Math.sqrt(d), (t, s) => s <= t);
      xs = xs.map((x, t) => add(x, linear(w, `${p}attn.o`, att[t]!)));
      xs = xs.map((x) => {
        const h = rms(x, w[`${p}norm2.weight`]!.data, c.rmsNormEps);
        const gate = linear(w, `${p}mlp.gate`, h).map((g) => g / (1 + Math.exp(-g)));
        const up = linear(w, `${p}mlp.up`, h);
        return add(
          x,
          linear(
            w,
            `${p}mlp.down`,
            gate.map((g, i) => g * up[i]!),
          ),
        );
      });
    }
    const want = xs.flatMap((x) => linear(w, 'embed', rms(x, w['norm.weight']!.data, c.rmsNormEps)));
    const ids = F.tensor(Int32Array.from(tokens), { shape: [1, tokens.length] });
    const got = F.tidy(() => model.forward(ids).value.toFlatArray());
    assertClose(got, want, 1e-4);
    ids.dispose();
    model.dispose();
  });

  it('T5', () => {
    const c = resolveConfig('t5-tiny', {
      vocabSize: 11,
      hidden: 8,
      layers: 2,
      decoderLayers: 2,
      heads: 2,
      headDim: 3,
      ff: 10,
      relativeBuckets: 6,
      relativeMaxDistance: 8,
      dropout: 0,
    });
    assert.ok(c.arch === 't5');
    const model = new T5ForConditionalGeneration(c, { seed: 2 }).eval();
    const w = weightsOf(model);
    const src = [1, 4, 9, 2, 7, 3];
    const tgt = [0, 5, 8, 6];
    const biasOf = (stack: string, bidirectional: boolean) => (h: number, t: number, s: number) =>
      row(
        w,
        `${stack}.relativeBias.weight`,
        relativeBucket(s - t, bidirectional, c.relativeBuckets, c.relativeMaxDistance),
      )[h]!;
    const ff = (p: string, x: Vec) => {
      const h = rms(x, w[`${p}ffNorm.weight`]!.data, c.layerNormEps);
      return add(
        x,
        linear(
          w,
          `${p}ff.down`,
          linear(w, `${p}ff.up`, h).map((v) => Math.max(v, 0)),
        ),
      );
    };
    const selfAttn = (
      p: string,
      xs: Vec[],
      causal: boolean,
      bias: (h: number, t: number, s: number) => number,
    ) => {
      const hs = xs.map((x) => rms(x, w[`${p}selfNorm.weight`]!.data, c.layerNormEps));
      const att = attention(
        hs.map((h) => linear(w, `${p}selfAttn.q`, h)),
        hs.map((h) => linear(w, `${p}selfAttn.k`, h)),
        hs.map((h) => linear(w, `${p}selfAttn.v`, h)),
        c.heads,
        c.heads,
        c.headDim,
        1,
        (t, s) => !causal || s <= t,
        bias,
      );
      return xs.map((x, t) => add(x, linear(w, `${p}selfAttn.o`, att[t]!)));
    };
    let enc = src.map((t) => row(w, 'shared.weight', t));
    for (let l = 0; l < c.layers; l++) {
      const p = `encoder.blocks.${l}.`;
      enc = selfAttn(p, enc, false, biasOf('encoder', true)).map((x) => ff(p, x));
    }
    enc = enc.map((x) => rms(x, w['encoder.finalNorm.weight']!.data, c.layerNormEps));
    let dec = tgt.map((t) => row(w, 'shared.weight', t));
    for (let l = 0; l < c.decoderLayers; l++) {
      const p = `decoder.blocks.${l}.`;
      dec = selfAttn(p, dec, true, biasOf('decoder', false));
      const hs = dec.map((x) => rms(x, w[`${p}crossNorm.weight`]!.data, c.layerNormEps));
      const att = attention(
        hs.map((h) => linear(w, `${p}crossAttn.q`, h)),
        enc.map((e) => linear(w, `${p}crossAttn.k`, e)),
        enc.map((e) => linear(w, `${p}crossAttn.v`, e)),
        c.heads,
        c.heads,
        c.headDim,
        1,
        () => true,
      );
      dec = dec.map((x, t) => ff(p, add(x, linear(w, `${p}crossAttn.o`, att[t]!))));
    }
    const want = dec.flatMap((x) =>
      linear(
        w,
        'shared',
        rms(x, w['decoder.finalNorm.weight']!.data, c.layerNormEps).map((v) => v * c.hidden ** -0.5),
      ),
    );
    const a = F.tensor(Int32Array.from(src), { shape: [1, src.length] });
    const b = F.tensor(Int32Array.from(tgt), { shape: [1, tgt.length] });
    const got = F.tidy(() => model.forward(a, b).value.toFlatArray());
    assertClose(got, want, 1e-4);
    a.dispose();
    b.dispose();
    model.dispose();
  });

  it('BERT', () => {
    const c = resolveConfig('bert-tiny', {
      vocabSize: 15,
      hidden: 8,
      layers: 2,
      heads: 2,
      intermediate: 12,
      numLabels: 3,
    });
    assert.ok(c.arch === 'bert');
    const model = new BertForSequenceClassification(c, { seed: 3 }).eval();
    const w = weightsOf(model);
    const tokens = [2, 9, 4, 14];
    const d = c.hidden / c.heads;
    let xs = tokens.map((t, i) =>
      layerNorm(
        add(
          add(row(w, 'wordEmbeddings.weight', t), row(w, 'positionEmbeddings.weight', i)),
          row(w, 'tokenTypeEmbeddings.weight', 0),
        ),
        w,
        'embeddingNorm',
        c.layerNormEps,
      ),
    );
    for (let l = 0; l < c.layers; l++) {
      const p = `blocks.${l}.`;
      const att = attention(
        xs.map((x) => linear(w, `${p}attn.q`, x, true)),
        xs.map((x) => linear(w, `${p}attn.k`, x, true)),
        xs.map((x) => linear(w, `${p}attn.v`, x, true)),
        c.heads,
        c.heads,
        d,
        1 / Math.sqrt(d),
        () => true,
      );
      xs = xs.map((x, t) =>
        layerNorm(add(x, linear(w, `${p}attn.o`, att[t]!, true)), w, `${p}norm1`, c.layerNormEps),
      );
      xs = xs.map((x) => {
        const up = linear(w, `${p}mlp.up`, x, true).map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
        return layerNorm(add(x, linear(w, `${p}mlp.down`, up, true)), w, `${p}norm2`, c.layerNormEps);
      });
    }
    const pooled = linear(w, 'pooler', xs[0]!, true).map(Math.tanh);
    const want = linear(w, 'classifier', pooled, true);
    const ids = F.tensor(Int32Array.from(tokens), { shape: [1, tokens.length] });
    const got = F.tidy(() => model.forward(ids).value.toFlatArray());
    assertClose(got, want, 1e-4);
    ids.dispose();
    model.dispose();
  });
});
