/**
 * BERT with a masked-language-model head, as in BERT pretraining: transform Linear → GELU (erf) →
 * LayerNorm → decoder tied to the word embeddings, plus a per-token output bias. It extends the
 * classification model so that its encoder parameters keep the same names, and a classifier can
 * start from its encoder (`MLM_HEAD_PREFIXES` and `CLASSIFIER_HEAD_PREFIXES` name what is not shared).
 */
import * as A from '../autograd/index.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { constantTensor, LayerNorm, Linear } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { BertForSequenceClassification } from './bert.js';
import type { BertConfig } from './config.js';

const OP = 'BertForMaskedLM';

/** Parameters of the MLM head: absent from a classifier. */
export const MLM_HEAD_PREFIXES = ['mlmTransform.', 'mlmNorm.', 'mlmBias'] as const;
/** Parameters of the classification head: untrained in an MLM run, so a classifier keeps its own. */
export const CLASSIFIER_HEAD_PREFIXES = ['pooler.', 'classifier.'] as const;

/** Whether a parameter name belongs to the shared encoder (embeddings and blocks). */
export function isBertEncoderKey(key: string): boolean {
  return ![...MLM_HEAD_PREFIXES, ...CLASSIFIER_HEAD_PREFIXES].some((p) => key.startsWith(p));
}

export class BertForMaskedLM extends BertForSequenceClassification {
  readonly mlmTransform: Linear;
  readonly mlmNorm: LayerNorm;
  readonly mlmBias: Variable;

  constructor(config: BertConfig, opts: { seed?: number } = {}) {
    super(config, opts);
    // A stream of its own, so the encoder initializes exactly as the classifier's does for a seed.
    const rng = new Rng(BigInt(opts.seed ?? 0) + 0x6d6c6dn);
    this.mlmTransform = this.addModule('mlmTransform', new Linear(config.hidden, config.hidden, { rng }));
    this.mlmNorm = this.addModule('mlmNorm', new LayerNorm(config.hidden, { eps: config.layerNormEps }));
    this.mlmBias = this.addParam('mlmBias', constantTensor([config.vocabSize], 0));
  }

  /**
   * Vocabulary logits [M, vocab] at M positions of the batch, given as flat indices b·T + t into
   * ids [B, T]: only the masked positions go through the head, so the loss can only see them.
   */
  maskedLogits(ids: Tensor, attentionMask: Tensor | undefined, positions: Tensor): Variable {
    const h = this.encode(ids, attentionMask);
    const [b, t, hidden] = h.shape as [number, number, number];
    if (positions.dtype !== 'i32' || positions.rank !== 1 || positions.size === 0)
      throw new FrugalError('E_SHAPE', 'positions must be a non-empty i32 vector of flat indices b*T + t', {
        op: OP,
        field: 'positions',
        shapes: [ids.shape, positions.shape],
      });
    for (const p of positions.toFlatArray())
      if (p < 0 || p >= b * t)
        throw new FrugalError('E_INDEX', `position ${p} is outside the ${b}x${t} batch`, {
          op: OP,
          field: 'positions',
          hint: 'pass b * T + t for each masked token',
        });
    const picked = A.gather(A.reshape(h, [b * t, hidden]), positions, 0);
    const x = this.mlmNorm.forward(A.gelu(this.mlmTransform.forward(picked), 'none'));
    return A.add(A.matmul(x, this.wordEmbeddings.weight, { transB: true }), this.mlmBias);
  }
}
