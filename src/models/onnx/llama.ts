/**
 * LlamaForCausalLM's full-sequence forward (no cache) as an ONNX graph (opset 17): input_ids
 * int64 [batch, seq] → logits [batch, seq, vocab]. RoPE cos/sin tables are initializers over
 * maxPositions, sliced to the sequence length; the causal bias is built from the length at run
 * time; grouped-query heads share key/value heads through MatMul's batch broadcast.
 */
import type { RMSNorm, TransformerBlock } from '../../nn/index.js';
import type { LlamaForCausalLM } from '../llama.js';
import { type GraphBuilder, int, ints } from './graph.js';
import { attentionCore, linear, mergeHeads, splitHeads } from './layers.js';
import { ONNX_DTYPE, type OnnxValueInfo, valueInfo } from './proto.js';

const MASKED_SCORE = -1e9;

/** x / sqrt(mean(x²) + eps) · w: the pattern onnxruntime fuses into SimplifiedLayerNormalization. */
function rmsNorm(g: GraphBuilder, x: string, norm: RMSNorm, name: string): string {
  const ms = g.node('ReduceMean', [g.node('Pow', [x, g.scalar(2)])], { axes: ints([-1]), keepdims: int(1) });
  const rms = g.node('Sqrt', [g.node('Add', [ms, g.scalar(norm.eps)])]);
  return g.node('Mul', [g.node('Div', [x, rms]), g.weight(`${name}.weight`, norm.weight.value)], {}, name);
}

/** x·cos + rotateHalf(x)·sin, rotateHalf(x) = [-x₂, x₁] over the halves of the head dim. */
function rope(g: GraphBuilder, x: string, cos: string, sin: string): string {
  const [x1, x2] = g.nodeN('Split', [x], { axis: int(-1) }, 2);
  const rotated = g.node('Concat', [g.node('Neg', [x2!]), x1!], { axis: int(-1) });
  return g.node('Add', [g.node('Mul', [x, cos]), g.node('Mul', [rotated, sin])]);
}

interface Shared {
  cos: string;
  sin: string;
  causalBias: string;
}

function block(g: GraphBuilder, x: string, blk: TransformerBlock, s: Shared, i: number): string {
  const p = `blocks.${i}`;
  const a = blk.attn;
  const group = a.heads / a.kvHeads;
  const h1 = rmsNorm(g, x, blk.norm1 as RMSNorm, `${p}.norm1`);
  // q [B, G, group, T, D]; k, v [B, G, 1, T, D]: one key/value head per query group.
  const q = rope(
    g,
    splitHeads(g, linear(g, h1, a.q, `${p}.attn.q`), a.heads, a.headDim, group),
    s.cos,
    s.sin,
  );
  const k = rope(g, splitHeads(g, linear(g, h1, a.k, `${p}.attn.k`), a.kvHeads, a.headDim), s.cos, s.sin);
  const v = splitHeads(g, linear(g, h1, a.v, `${p}.attn.v`), a.kvHeads, a.headDim);
  const kT = g.node('Unsqueeze', [g.node('Transpose', [k], { perm: ints([0, 1, 3, 2]) }), g.i64([2])]);
  const v5 = g.node('Unsqueeze', [v, g.i64([2])]);
  const ctx = mergeHeads(g, attentionCore(g, q, kT, v5, a.scale, s.causalBias), a.heads * a.headDim, true);
  const h = g.node('Add', [x, linear(g, ctx, a.o, `${p}.attn.o`)]);
  const h2 = rmsNorm(g, h, blk.norm2 as RMSNorm, `${p}.norm2`);
  const mlp = blk.mlp;
  const gate = linear(g, h2, mlp.gate!, `${p}.mlp.gate`);
  const act = g.node('Mul', [gate, g.node('Sigmoid', [gate])]);
  const up = g.node('Mul', [act, linear(g, h2, mlp.up, `${p}.mlp.up`)]);
  return g.node('Add', [h, linear(g, up, mlp.down, `${p}.mlp.down`)]);
}

export function llamaGraph(
  g: GraphBuilder,
  model: LlamaForCausalLM,
): { input: OnnxValueInfo[]; output: OnnxValueInfo[] } {
  const c = model.config;
  const table = model.embed.weight.value;
  let x = g.node('Gather', [g.weight('embed.weight', table), 'input_ids']);
  const seq = g.node('Shape', ['input_ids'], { start: int(1), end: int(2) });
  const [cosTable, sinTable] = model.rope.tables(0, c.maxPositions);
  const slice = (t: string) => g.node('Slice', [t, g.i64([0]), seq, g.i64([0])]);
  const cos = slice(g.weight('rope.cos', cosTable));
  const sin = slice(g.weight('rope.sin', sinTable));
  cosTable.dispose();
  sinTable.dispose();
  // bias[i, j] = -1e9 where key j is after query i: Less(i, j) over Range(seq) outer pairs.
  const len = g.node('Squeeze', [seq, g.i64([0])]);
  const pos = g.node('Range', [g.i64([0], []), len, g.i64([1], [])]);
  const rows = g.node('Unsqueeze', [pos, g.i64([1])]);
  const future = g.node('Less', [rows, pos]);
  const causalBias = g.node('Where', [future, g.scalar(MASKED_SCORE), g.scalar(0)]);
  const shared = { cos, sin, causalBias };
  model.blocks.items.forEach((blk, i) => {
    x = block(g, x, blk, shared, i);
  });
  x = rmsNorm(g, x, model.norm, 'norm');
  const head = model.lmHead
    ? linear(g, x, model.lmHead, 'lmHead')
    : g.node('MatMul', [x, g.weight('lmHead.tied', table, { transpose: true })], {}, 'lmHead');
  g.rename(head, 'logits');
  return {
    input: [valueInfo('input_ids', ONNX_DTYPE.int64, ['batch', 'seq'])],
    output: [valueInfo('logits', ONNX_DTYPE.float, ['batch', 'seq', c.vocabSize])],
  };
}
