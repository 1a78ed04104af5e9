/** ONNX subgraphs for the nn building blocks both exported architectures use. */

import { FrugalError } from '../../core/errors.js';
import type { Linear } from '../../nn/index.js';
import { type GraphBuilder, int } from './graph.js';
import { int8Linear, isInt8Linear, isQuantizedLinear } from './int8.js';

/**
 * y = x · Wᵀ (+ b); the weight is stored pre-transposed so the node is a plain MatMul. A layer
 * quantized to INT8 in its place (src/compress QuantizedLinear) becomes the MatMulInteger subgraph.
 */
export function linear(g: GraphBuilder, x: string, layer: Linear, name: string): string {
  if (isInt8Linear(layer)) return int8Linear(g, x, layer, name);
  if (isQuantizedLinear(layer)) {
    throw new FrugalError(
      'E_ARG',
      `${name}: only INT8 quantized layers export to ONNX (INT4 / ternary / binary do not)`,
      {
        op: 'exportOnnx',
        field: name,
      },
    );
  }
  const y = g.node(
    'MatMul',
    [x, g.weight(`${name}.weight`, layer.weight.value, { transpose: true })],
    {},
    name,
  );
  return layer.bias ? g.node('Add', [y, g.weight(`${name}.bias`, layer.bias.value)], {}, `${name}_bias`) : y;
}

/**
 * [B, T, heads·D] → [B, heads, T, D], or with `group` [B, heads/group, group, T, D] (grouped-query
 * attention: query head h reads key/value head h / group, so MatMul's batch broadcast shares them).
 */
export function splitHeads(g: GraphBuilder, x: string, heads: number, d: number, group = 1): string {
  if (group === 1) {
    const r = g.node('Reshape', [x, g.i64([0, 0, heads, d])]);
    return g.node('Transpose', [r], { perm: { ints: [0, 2, 1, 3] } });
  }
  const r = g.node('Reshape', [x, g.i64([0, 0, heads / group, group, d])]);
  return g.node('Transpose', [r], { perm: { ints: [0, 2, 3, 1, 4] } });
}

/** Inverse of splitHeads: [B, heads, T, D] (or grouped) → [B, T, heads·D]. */
export function mergeHeads(g: GraphBuilder, x: string, width: number, grouped = false): string {
  const perm = grouped ? [0, 3, 1, 2, 4] : [0, 2, 1, 3];
  const t = g.node('Transpose', [x], { perm: { ints: perm } });
  return g.node('Reshape', [t, g.i64([0, 0, width])]);
}

/** softmax(q·kᵀ·scale + bias)·v over the last two axes; kT is already [.., D, S]. */
export function attentionCore(
  g: GraphBuilder,
  q: string,
  kT: string,
  v: string,
  scale: number,
  bias: string,
): string {
  const scores = g.node('Mul', [g.node('MatMul', [q, kT]), g.scalar(scale)]);
  const probs = g.node('Softmax', [g.node('Add', [scores, bias])], { axis: int(-1) });
  return g.node('MatMul', [probs, v]);
}
