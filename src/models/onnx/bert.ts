/**
 * BertForSequenceClassification as an ONNX graph (opset 17): inputs input_ids and attention_mask
 * (int64 [batch, seq], dynamic axes), output logits [batch, numLabels]. Token types are all 0, as
 * in BertForSequenceClassification.forward without tokenTypeIds. Dropout is the identity (eval).
 */
import { FrugalError } from '../../core/errors.js';
import type { TransformerBlock } from '../../nn/index.js';
import type { BertForSequenceClassification } from '../bert.js';
import { float, type GraphBuilder, int, ints } from './graph.js';
import { attentionCore, linear, mergeHeads, splitHeads } from './layers.js';
import { ONNX_DTYPE, type OnnxValueInfo, valueInfo } from './proto.js';

/** Frugal hides a padding key with the score -1e9; added to a score it gives the same softmax. */
const MASKED_SCORE = -1e9;

function layerNorm(
  g: GraphBuilder,
  x: string,
  norm: TransformerBlock['norm1'],
  eps: number,
  name: string,
): string {
  const w = norm.weight;
  const b = 'bias' in norm ? norm.bias : undefined;
  if (!w || !b) {
    throw new FrugalError('E_ARG', `${name} has no weight/bias; BERT layer norms are affine`, {
      op: 'exportOnnx',
      field: name,
    });
  }
  const inputs = [x, g.weight(`${name}.weight`, w.value), g.weight(`${name}.bias`, b.value)];
  return g.node('LayerNormalization', inputs, { axis: int(-1), epsilon: float(eps) }, name);
}

/** x · 0.5 · (1 + erf(x / √2)): the pattern onnxruntime fuses into one Gelu. */
function geluErf(g: GraphBuilder, x: string): string {
  const erf = g.node('Erf', [g.node('Div', [x, g.scalar(Math.SQRT2)])]);
  return g.node('Mul', [g.node('Mul', [x, g.node('Add', [erf, g.scalar(1)])]), g.scalar(0.5)]);
}

function block(
  g: GraphBuilder,
  x: string,
  blk: TransformerBlock,
  maskBias: string,
  eps: number,
  i: number,
): string {
  const p = `blocks.${i}`;
  const a = blk.attn;
  const q = splitHeads(g, linear(g, x, a.q, `${p}.attn.q`), a.heads, a.headDim);
  const k = g.node('Reshape', [linear(g, x, a.k, `${p}.attn.k`), g.i64([0, 0, a.heads, a.headDim])]);
  const kT = g.node('Transpose', [k], { perm: ints([0, 2, 3, 1]) });
  const v = splitHeads(g, linear(g, x, a.v, `${p}.attn.v`), a.heads, a.headDim);
  const ctx = mergeHeads(g, attentionCore(g, q, kT, v, a.scale, maskBias), a.heads * a.headDim);
  const h = layerNorm(
    g,
    g.node('Add', [x, linear(g, ctx, a.o, `${p}.attn.o`)]),
    blk.norm1,
    eps,
    `${p}.norm1`,
  );
  const up = geluErf(g, linear(g, h, blk.mlp.up, `${p}.mlp.up`));
  return layerNorm(
    g,
    g.node('Add', [h, linear(g, up, blk.mlp.down, `${p}.mlp.down`)]),
    blk.norm2,
    eps,
    `${p}.norm2`,
  );
}

/** [B, S, H] states and [B, S] f32 keep mask → [B, H] mean over the kept positions. */
function meanOfKept(g: GraphBuilder, x: string, keep: string): string {
  const weighted = g.node('Mul', [x, g.node('Unsqueeze', [keep, g.i64([2])])]);
  const total = g.node('ReduceSum', [weighted, g.i64([1])], { keepdims: int(0) });
  const count = g.node('ReduceSum', [keep, g.i64([1])], { keepdims: int(1) });
  return g.node('Div', [total, count]);
}

export function bertGraph(
  g: GraphBuilder,
  model: BertForSequenceClassification,
): { input: OnnxValueInfo[]; output: OnnxValueInfo[] } {
  const c = model.config;
  const words = g.node('Gather', [
    g.weight('wordEmbeddings.weight', model.wordEmbeddings.weight.value),
    'input_ids',
  ]);
  const seq = g.node('Shape', ['input_ids'], { start: int(1), end: int(2) });
  const positionTable = g.weight('positionEmbeddings.weight', model.positionEmbeddings.weight.value);
  const positions = g.node('Slice', [positionTable, g.i64([0]), seq, g.i64([0])]);
  const typeRow = model.tokenTypeEmbeddings.weight.value.slice(0, 0, 1);
  const type0 = g.weight('tokenTypeEmbeddings.row0', typeRow);
  typeRow.dispose();
  const emb = g.node('Add', [g.node('Add', [words, positions]), type0]);
  const norm = model.embeddingNorm;
  let x = g.node(
    'LayerNormalization',
    [
      emb,
      g.weight('embeddingNorm.weight', norm.weight!.value),
      g.weight('embeddingNorm.bias', norm.bias!.value),
    ],
    { axis: int(-1), epsilon: float(c.layerNormEps) },
    'embeddingNorm',
  );
  // attention_mask [B, S] (1 = token) → additive bias [B, 1, 1, S]: 0 for tokens, -1e9 for padding.
  const keep = g.node('Cast', ['attention_mask'], { to: int(ONNX_DTYPE.float) });
  const hidden = g.node('Mul', [g.node('Sub', [g.scalar(1), keep]), g.scalar(MASKED_SCORE)]);
  const maskBias = g.node('Unsqueeze', [hidden, g.i64([1, 2])]);
  model.blocks.items.forEach((blk, i) => {
    x = block(g, x, blk, maskBias, c.layerNormEps, i);
  });
  const summary =
    (c.pooling ?? 'cls') === 'mean'
      ? meanOfKept(g, x, keep)
      : g.node('Gather', [x, g.i64([0], [])], { axis: int(1) });
  const pooled = g.node('Tanh', [linear(g, summary, model.pooler, 'pooler')]);
  g.rename(linear(g, pooled, model.classifier, 'classifier'), 'logits');
  return {
    input: [
      valueInfo('input_ids', ONNX_DTYPE.int64, ['batch', 'seq']),
      valueInfo('attention_mask', ONNX_DTYPE.int64, ['batch', 'seq']),
    ],
    output: [valueInfo('logits', ONNX_DTYPE.float, ['batch', c.numLabels])],
  };
}
