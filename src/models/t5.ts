/**
 * T5 encoder-decoder: RMS layer norms (no mean, no bias), pre-norm residual blocks, attention
 * without 1/sqrt(d) scaling, a learned relative position bias owned by each stack and shared by
 * all its layers, ReLU or gated-GELU feed-forward, and (tied) an lm head on the shared embedding
 * with the decoder output scaled by hidden^-0.5.
 */
import * as A from '../autograd/index.js';
import { noGrad, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import {
  Dropout,
  Embedding,
  KVCache,
  Linear,
  MLP,
  Module,
  ModuleList,
  MultiHeadAttention,
  RMSNorm,
} from '../nn/index.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { T5Config } from './config.js';
import { decodeLoop } from './decode-loop.js';
import { checkIds, keyMask } from './inputs.js';
import { checkGenerateOptions, type GenerateOptions } from './sampling.js';
import { bucketTable } from './t5-buckets.js';

const OP = 'T5ForConditionalGeneration';

/**
 * Decoder caches: per layer, self-attention keys/values of the decoded positions and the
 * cross-attention keys/values of the encoder states (projected once, on the first step).
 */
export class T5Cache {
  readonly self: KVCache[];
  readonly cross: KVCache[];

  constructor(layers: number) {
    this.self = Array.from({ length: layers }, () => new KVCache());
    this.cross = Array.from({ length: layers }, () => new KVCache());
  }

  /** Decoded positions already cached. */
  get length(): number {
    return this.self[0]?.length ?? 0;
  }

  clear(): void {
    for (const c of [...this.self, ...this.cross]) c.clear();
  }
}

/** Self-attention, optional cross-attention, and feed-forward, each as x + drop(f(norm(x))). */
export class T5Block extends Module {
  readonly selfNorm: RMSNorm;
  readonly selfAttn: MultiHeadAttention;
  readonly crossNorm: RMSNorm | undefined;
  readonly crossAttn: MultiHeadAttention | undefined;
  readonly ffNorm: RMSNorm;
  readonly ff: MLP;
  readonly drop: Dropout;

  constructor(c: T5Config, isDecoder: boolean, rng: Rng) {
    super();
    const attn = () =>
      new MultiHeadAttention(c.hidden, c.heads, { rng, headDim: c.headDim, scale: 1, bias: false });
    this.selfNorm = this.addModule('selfNorm', new RMSNorm(c.hidden, c.layerNormEps));
    this.selfAttn = this.addModule('selfAttn', attn());
    this.crossNorm = isDecoder
      ? this.addModule('crossNorm', new RMSNorm(c.hidden, c.layerNormEps))
      : undefined;
    this.crossAttn = isDecoder ? this.addModule('crossAttn', attn()) : undefined;
    this.ffNorm = this.addModule('ffNorm', new RMSNorm(c.hidden, c.layerNormEps));
    const act = (c.ffActivation ?? 'relu') === 'relu' ? 'relu' : 'geglu';
    this.ff = this.addModule('ff', new MLP(c.hidden, c.ff, act, { rng, bias: false }));
    this.drop = this.addModule('drop', new Dropout(c.dropout, { rng }));
  }

  forward(
    x: Variable,
    self: { mask?: Tensor; scoreBias: Variable; causal?: boolean; cache?: KVCache },
    cross?: { context: Variable; mask?: Tensor; cache?: KVCache },
  ): Variable {
    let h = A.add(x, this.drop.forward(this.selfAttn.forward(this.selfNorm.forward(x), self)));
    if (this.crossAttn && this.crossNorm && cross) {
      const call = {
        context: cross.context,
        ...(cross.mask ? { mask: cross.mask } : {}),
        ...(cross.cache ? { cache: cross.cache } : {}),
      };
      h = A.add(h, this.drop.forward(this.crossAttn.forward(this.crossNorm.forward(h), call)));
    }
    return A.add(h, this.drop.forward(this.ff.forward(this.ffNorm.forward(h))));
  }
}

/** An encoder or decoder stack with its relative position bias and final norm. */
export class T5Stack extends Module {
  readonly relativeBias: Embedding;
  readonly blocks: ModuleList<T5Block>;
  readonly finalNorm: RMSNorm;
  readonly drop: Dropout;

  constructor(
    readonly config: T5Config,
    readonly isDecoder: boolean,
    rng: Rng,
  ) {
    super();
    const c = config;
    this.relativeBias = this.addModule(
      'relativeBias',
      new Embedding(c.relativeBuckets, c.heads, { rng, std: 1 }),
    );
    const n = isDecoder ? c.decoderLayers : c.layers;
    this.blocks = this.addModule(
      'blocks',
      new ModuleList(Array.from({ length: n }, () => new T5Block(c, isDecoder, rng))),
    );
    this.finalNorm = this.addModule('finalNorm', new RMSNorm(c.hidden, c.layerNormEps));
    this.drop = this.addModule('drop', new Dropout(c.dropout, { rng }));
  }

  /** Bias [1, H, T, S] for queries at offset … offset+T-1 against keys 0 … S-1. */
  positionBias(t: number, s: number, offset: number): Variable {
    const c = this.config;
    const buckets = bucketTable(t, s, offset, !this.isDecoder, c.relativeBuckets, c.relativeMaxDistance);
    const table = this.relativeBias.forward(buckets);
    buckets.dispose();
    return A.reshape(A.permute(table, 2, 0, 1), [1, c.heads, t, s]);
  }

  /** Embedded x [B, T, hidden] → [B, T, hidden]. */
  forward(
    x: Variable,
    opts: { mask?: Tensor; context?: Variable; contextMask?: Tensor; cache?: T5Cache },
  ): Variable {
    const t = x.shape[1]!;
    const offset = opts.cache?.length ?? 0;
    const scoreBias = this.positionBias(t, offset + t, offset);
    let h = this.drop.forward(x);
    this.blocks.items.forEach((block, i) => {
      const cache = opts.cache?.self[i];
      const crossCache = opts.cache?.cross[i];
      const self = {
        scoreBias,
        causal: this.isDecoder,
        ...(opts.mask ? { mask: opts.mask } : {}),
        ...(cache ? { cache } : {}),
      };
      const cross = opts.context
        ? {
            context: opts.context,
            ...(opts.contextMask ? { mask: opts.contextMask } : {}),
            ...(crossCache ? { cache: crossCache } : {}),
          }
        : undefined;
      h = block.forward(h, self, cross);
    });
    return this.drop.forward(this.finalNorm.forward(h));
  }
}

export class T5ForConditionalGeneration extends Module {
  readonly shared: Embedding;
  readonly encoder: T5Stack;
  readonly decoder: T5Stack;
  readonly lmHead: Linear | undefined;

  constructor(
    readonly config: T5Config,
    opts: { seed?: number } = {},
  ) {
    super();
    const c = config;
    const rng = new Rng(opts.seed ?? 0);
    this.shared = this.addModule('shared', new Embedding(c.vocabSize, c.hidden, { rng, std: 1 }));
    this.encoder = this.addModule('encoder', new T5Stack(c, false, rng));
    this.decoder = this.addModule('decoder', new T5Stack(c, true, rng));
    this.lmHead =
      (c.tieEmbeddings ?? true)
        ? undefined
        : this.addModule('lmHead', new Linear(c.hidden, c.vocabSize, { rng, bias: false }));
  }

  /** inputIds i32 [B, S], attentionMask i32 [B, S] (1 = token) → encoder states [B, S, hidden]. */
  encode(inputIds: Tensor, attentionMask?: Tensor): Variable {
    const [b, s] = checkIds(OP, 'inputIds', inputIds);
    const mask = attentionMask ? keyMask(OP, attentionMask, b, s) : undefined;
    try {
      return this.encoder.forward(this.shared.forward(inputIds), mask ? { mask } : {});
    } finally {
      mask?.dispose();
    }
  }

  /** Decoder logits [B, T, vocab] over encoder states; with caches, ids continue the cached positions. */
  decode(decoderInputIds: Tensor, encoded: Variable, attentionMask?: Tensor, cache?: T5Cache): Variable {
    const [b] = checkIds(OP, 'decoderInputIds', decoderInputIds);
    if (encoded.shape[0] !== b) {
      throw new FrugalError(
        'E_SHAPE',
        `decoder batch ${b} differs from the encoder batch ${encoded.shape[0]}`,
        {
          op: OP,
          shapes: [decoderInputIds.shape, encoded.shape],
        },
      );
    }
    if (cache && cache.self.length !== this.config.decoderLayers) {
      throw new FrugalError(
        'E_ARG',
        `the cache has ${cache.self.length} layers, the decoder ${this.config.decoderLayers}`,
        {
          op: OP,
          field: 'cache',
          hint: 'create it with new T5Cache(config.decoderLayers)',
        },
      );
    }
    const mask = attentionMask ? keyMask(OP, attentionMask, b, encoded.shape[1]!) : undefined;
    try {
      const h = this.decoder.forward(this.shared.forward(decoderInputIds), {
        context: encoded,
        ...(mask ? { contextMask: mask } : {}),
        ...(cache ? { cache } : {}),
      });
      if (this.lmHead) return this.lmHead.forward(h);
      return A.matmul(A.mul(h, this.config.hidden ** -0.5), this.shared.weight, { transB: true });
    } finally {
      mask?.dispose();
    }
  }

  /** Logits [B, Tdec, vocab] (teacher forcing). */
  forward(inputIds: Tensor, decoderInputIds: Tensor, attentionMask?: Tensor): Variable {
    return this.decode(decoderInputIds, this.encode(inputIds, attentionMask), attentionMask);
  }

  /** Decodes from decoderStartId for one input (encoder run once, decoder KV-cached); returns the new tokens. */
  generate(inputIds: readonly number[], opts: GenerateOptions & { decoderStartId: number }): number[] {
    checkGenerateOptions(OP, opts);
    if (inputIds.length === 0) {
      throw new FrugalError('E_ARG', 'the input needs at least one token', { op: OP, field: 'inputIds' });
    }
    const cache = new T5Cache(this.config.decoderLayers);
    try {
      return noGrad(() => {
        const encoded = tidy(() =>
          this.encode(tensor(Int32Array.from(inputIds), { shape: [1, inputIds.length] })),
        );
        try {
          return decodeLoop([opts.decoderStartId], opts, (tokens) =>
            tidy(() => {
              const ids = tensor(Int32Array.from(tokens), { shape: [1, tokens.length] });
              const logits = this.decode(ids, encoded, undefined, cache).value;
              return logits.slice(1, tokens.length - 1, tokens.length).toFloat32Array();
            }),
          );
        } finally {
          encoded.value.dispose();
        }
      });
    } finally {
      cache.clear();
    }
  }
}
