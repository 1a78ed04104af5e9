/**
 * Llama causal LM: token embedding → pre-norm blocks (RMSNorm, grouped-query attention with
 * rotary embeddings, SwiGLU MLP) → final RMSNorm → lm head (optionally tied to the embedding).
 */
import * as A from '../autograd/index.js';
import { noGrad, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import {
  Embedding,
  KVCache,
  Linear,
  Module,
  ModuleList,
  RMSNorm,
  RotaryEmbedding,
  TransformerBlock,
} from '../nn/index.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LlamaConfig } from './config.js';
import { decodeLoop } from './decode-loop.js';
import { checkIds } from './inputs.js';
import { checkGenerateOptions, type GenerateOptions } from './sampling.js';

const OP = 'LlamaForCausalLM';

/** One KV cache per layer; pass the same LlamaCache to successive forward() calls to decode. */
export class LlamaCache {
  readonly layers: KVCache[];

  constructor(layers: number) {
    this.layers = Array.from({ length: layers }, () => new KVCache());
  }

  /** Positions already cached. */
  get length(): number {
    return this.layers[0]?.length ?? 0;
  }

  clear(): void {
    for (const c of this.layers) c.clear();
  }
}

export class LlamaForCausalLM extends Module {
  readonly embed: Embedding;
  readonly blocks: ModuleList<TransformerBlock>;
  readonly norm: RMSNorm;
  readonly lmHead: Linear | undefined;
  readonly rope: RotaryEmbedding;

  constructor(
    readonly config: LlamaConfig,
    opts: { seed?: number } = {},
  ) {
    super();
    const c = config;
    const rng = new Rng(opts.seed ?? 0);
    this.rope = new RotaryEmbedding(c.hidden / c.heads, c.ropeTheta);
    this.embed = this.addModule('embed', new Embedding(c.vocabSize, c.hidden, { rng, std: 0.02 }));
    const blocks: TransformerBlock[] = [];
    for (let i = 0; i < c.layers; i++) {
      blocks.push(
        new TransformerBlock(c.hidden, c.heads, {
          rng,
          norm: 'rms',
          eps: c.rmsNormEps,
          mlp: 'swiglu',
          hidden: c.intermediate,
          bias: false,
          kvHeads: c.kvHeads,
          rope: this.rope,
        }),
      );
    }
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
    this.norm = this.addModule('norm', new RMSNorm(c.hidden, c.rmsNormEps));
    this.lmHead = c.tieEmbeddings
      ? undefined
      : this.addModule('lmHead', new Linear(c.hidden, c.vocabSize, { rng, bias: false }));
  }

  /** ids i32 [B, T] → logits [B, T, vocab]. With a cache, ids continue the cached positions. */
  forward(ids: Tensor, opts: { cache?: LlamaCache } = {}): Variable {
    const past = opts.cache?.length ?? 0;
    const [, t] = checkIds(OP, 'ids', ids);
    if (past + t > this.config.maxPositions) {
      throw new FrugalError(
        'E_SHAPE',
        `${past} cached + ${t} new positions exceed maxPositions ${this.config.maxPositions}`,
        {
          op: OP,
          field: 'ids',
          shapes: [ids.shape],
        },
      );
    }
    const cache = opts.cache;
    if (cache && cache.layers.length !== this.config.layers) {
      throw new FrugalError(
        'E_ARG',
        `the cache has ${cache.layers.length} layers, the model ${this.config.layers}`,
        {
          op: OP,
          field: 'cache',
          hint: 'create it with new LlamaCache(config.layers)',
        },
      );
    }
    let x = this.embed.forward(ids);
    this.blocks.items.forEach((block, i) => {
      x = block.forward(x, { causal: true, ...(cache ? { cache: cache.layers[i]! } : {}) });
    });
    x = this.norm.forward(x);
    return this.lmHead ? this.lmHead.forward(x) : A.matmul(x, this.embed.weight, { transB: true });
  }

  override dispose(): void {
    super.dispose();
    this.rope.dispose();
  }

  /** Continues `prompt` with up to maxNewTokens tokens (KV-cached, no gradients); returns the new ones. */
  generate(prompt: readonly number[], opts: GenerateOptions): number[] {
    checkGenerateOptions(OP, opts);
    if (prompt.length === 0) {
      throw new FrugalError('E_ARG', 'the prompt needs at least one token', { op: OP, field: 'prompt' });
    }
    if (prompt.length + opts.maxNewTokens > this.config.maxPositions) {
      throw new FrugalError(
        'E_ARG',
        `prompt (${prompt.length}) + maxNewTokens (${opts.maxNewTokens}) exceed maxPositions ${this.config.maxPositions}`,
        { op: OP, field: 'maxNewTokens' },
      );
    }
    const cache = new LlamaCache(this.config.layers);
    try {
      return noGrad(() =>
        decodeLoop(prompt, opts, (tokens) =>
          tidy(() => {
            const ids = tensor(Int32Array.from(tokens), { shape: [1, tokens.length] });
            const logits = this.forward(ids, { cache }).value;
            return logits.slice(1, tokens.length - 1, tokens.length).toFloat32Array();
          }),
        ),
      );
    } finally {
      cache.clear();
    }
  }
}
