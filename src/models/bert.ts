/**
 * BERT for sequence classification: word + position + token-type embeddings → LayerNorm →
 * dropout → post-norm encoder blocks (GELU erf) → pooler tanh(Linear(p)) → dropout → classifier, where
 * p is the [CLS] state h[:, 0] (BERT's pooling, the default) or, with `pooling: 'mean'`, the mean of the
 * states of the unmasked tokens (sentence-encoder pooling: every token reaches the classifier directly,
 * which a small encoder trained from scratch on a few thousand examples learns from much sooner).
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, TransformerBlock } from '../nn/index.js';
import { arange, zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BertConfig } from './config.js';
import { checkIds, keyMask, meanPoolWeights } from './inputs.js';

const OP = 'BertForSequenceClassification';

/**
 * Opt-in record of one forward pass (knowledge distillation): hidden[0] is the embedding output,
 * hidden[i + 1] the output of block i; attention[i] holds block i's softmax probabilities [B, H, T, T].
 */
export interface BertTrace {
  hidden: Variable[];
  attention: Variable[];
}

export class BertForSequenceClassification extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly embeddingNorm: LayerNorm;
  readonly blocks: ModuleList<TransformerBlock>;
  readonly pooler: Linear;
  readonly classifier: Linear;
  readonly drop: Dropout;

  constructor(
    readonly config: BertConfig,
    opts: { seed?: number } = {},
  ) {
    super();
    const rng = new Rng(opts.seed ?? 0);
    const c = config;
    const emb = { rng, std: 0.02 };
    this.wordEmbeddings = this.addModule('wordEmbeddings', new Embedding(c.vocabSize, c.hidden, emb));
    this.positionEmbeddings = this.addModule(
      'positionEmbeddings',
      new Embedding(c.maxPositions, c.hidden, emb),
    );
    this.tokenTypeEmbeddings = this.addModule(
      'tokenTypeEmbeddings',
      new Embedding(c.typeVocabSize, c.hidden, emb),
    );
    this.embeddingNorm = this.addModule('embeddingNorm', new LayerNorm(c.hidden, { eps: c.layerNormEps }));
    const blocks: TransformerBlock[] = [];
    for (let i = 0; i < c.layers; i++) {
      blocks.push(
        new TransformerBlock(c.hidden, c.heads, {
          rng,
          norm: 'layer',
          placement: 'post',
          eps: c.layerNormEps,
          mlp: 'gelu-erf',
          hidden: c.intermediate,
          dropout: c.dropout,
          attentionDropout: c.dropout,
          bias: true,
        }),
      );
    }
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
    this.pooler = this.addModule('pooler', new Linear(c.hidden, c.hidden, { rng }));
    this.classifier = this.addModule('classifier', new Linear(c.hidden, c.numLabels, { rng }));
    this.drop = this.addModule('drop', new Dropout(c.dropout, { rng }));
  }

  /** ids i32 [B, T], attentionMask i32 [B, T] (1 = token), tokenTypeIds i32 [B, T] → [B, T, hidden]. */
  encode(ids: Tensor, attentionMask?: Tensor, tokenTypeIds?: Tensor, trace?: BertTrace): Variable {
    const [b, t] = checkIds(OP, 'ids', ids, this.config.maxPositions);
    const positions = arange(0, t, 1, 'i32');
    if (tokenTypeIds) {
      const [tb, tt] = checkIds(OP, 'tokenTypeIds', tokenTypeIds);
      if (tb !== b || tt !== t) {
        throw new FrugalError('E_SHAPE', `tokenTypeIds must be [${b}, ${t}] like the ids`, {
          op: OP,
          field: 'tokenTypeIds',
          shapes: [ids.shape, tokenTypeIds.shape],
        });
      }
    }
    const types = tokenTypeIds ?? zeros([b, t], 'i32');
    const mask = attentionMask ? keyMask(OP, attentionMask, b, t) : undefined;
    try {
      let x = A.add(
        A.add(this.wordEmbeddings.forward(ids), this.positionEmbeddings.forward(positions)),
        this.tokenTypeEmbeddings.forward(types),
      );
      x = this.drop.forward(this.embeddingNorm.forward(x));
      trace?.hidden.push(x);
      const call = { ...(mask ? { mask } : {}), ...(trace ? { probs: trace.attention } : {}) };
      for (const block of this.blocks.items) {
        x = block.forward(x, call);
        trace?.hidden.push(x);
      }
      return x;
    } finally {
      positions.dispose();
      if (!tokenTypeIds) types.dispose();
      mask?.dispose();
    }
  }

  /** Classification logits [B, numLabels]. */
  forward(ids: Tensor, attentionMask?: Tensor, tokenTypeIds?: Tensor, trace?: BertTrace): Variable {
    const h = this.encode(ids, attentionMask, tokenTypeIds, trace);
    const pooled = A.tanh(this.pooler.forward(this.poolStates(h, attentionMask)));
    return this.classifier.forward(this.drop.forward(pooled));
  }

  /** [B, T, hidden] → [B, hidden] by the config's pooling. */
  private poolStates(h: Variable, attentionMask: Tensor | undefined): Variable {
    const [b, t] = h.shape as [number, number, number];
    const hidden = this.config.hidden;
    if ((this.config.pooling ?? 'cls') === 'cls') return A.reshape(A.slice(h, 1, 0, 1), [b, hidden]);
    if (!attentionMask) return A.mean(h, { axis: 1 });
    const weights = A.constant(meanPoolWeights(OP, attentionMask, b, t));
    return A.sum(A.mul(h, weights), { axis: 1 });
  }
}
