/**
 * One vector-Jacobian product per differentiable op, in one table the compiler keeps complete:
 * a DiffOp without a rule does not type-check. Each rule gets the output gradient `g`, the
 * unpacked saved tensors, the op's attrs and the input shapes, and returns one gradient per
 * input (null where none flows). Rules run inside tidy(), so intermediates need no disposal.
 */
import { cast, div, eq, exp, gt, mul, neg, pow, sub, where } from '../ops/elementwise.js';
import { scatterAdd } from '../ops/indexing.js';
import { matmul } from '../ops/linalg.js';
import { softmax, sum } from '../ops/reduce.js';
import { reshape } from '../ops/shape-ops.js';
import { arange, full, tensor, zeros } from '../tensor/creation.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { nativeSoftmaxGrad } from './native-grads.js';
import { layerNormGrad, rmsNormGrad } from './norm-grads.js';
import { geluErfGrad, geluTanhGrad, siluGrad } from './pointwise-grads.js';
import { reduceTo } from './reduce-to.js';

type NoAttrs = Record<string, never>;
interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

/** Every differentiable op and its attrs (what the rule needs beyond saved tensors). */
export interface DiffOpAttrs {
  add: NoAttrs;
  sub: NoAttrs;
  mul: NoAttrs;
  div: NoAttrs;
  pow: { exponent: number };
  neg: NoAttrs;
  exp: NoAttrs;
  log: NoAttrs;
  sqrt: NoAttrs;
  rsqrt: NoAttrs;
  tanh: NoAttrs;
  sigmoid: NoAttrs;
  relu: NoAttrs;
  gelu: { approximate: 'tanh' | 'none' };
  silu: NoAttrs;
  sum: ReduceAttrs;
  mean: ReduceAttrs;
  max: { axis: number; keepDims: boolean };
  softmax: { axis: number };
  logSoftmax: { axis: number };
  matmul: { transA: boolean; transB: boolean };
  layerNorm: { eps: number; hasGamma: boolean; hasBeta: boolean };
  rmsNorm: { eps: number; hasGamma: boolean };
  gather: { axis: number };
  reshape: NoAttrs;
  expand: NoAttrs;
  permute: { axes: number[] };
  slice: { axis: number; start: number; count: number; step: number };
  concat: { axis: number; sizes: number[] };
  where: NoAttrs;
  crossEntropy: NoAttrs;
}

export type DiffOp = keyof DiffOpAttrs;

export interface VjpArgs<K extends DiffOp> {
  g: Tensor;
  saved: Tensor[];
  attrs: DiffOpAttrs[K];
  inputShapes: Shape[];
}

export type VjpRule<K extends DiffOp> = (args: VjpArgs<K>) => (Tensor | null)[];

/** keepDims-shaped view of a reduced gradient, expanded back to the input shape. */
function unreduce(g: Tensor, shape: Shape, axes: number[], keepDims: boolean): Tensor {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return (keepDims ? g : reshape(g, kept)).expand(shape);
}

export const VJP_RULES: { [K in DiffOp]: VjpRule<K> } = {
  add: ({ g, inputShapes: [sa, sb] }) => [reduceTo(g, sa!), reduceTo(g, sb!)],
  sub: ({ g, inputShapes: [sa, sb] }) => [reduceTo(g, sa!), reduceTo(neg(g), sb!)],
  mul: ({ g, saved: [a, b], inputShapes: [sa, sb] }) => [
    reduceTo(mul(g, b!), sa!),
    reduceTo(mul(g, a!), sb!),
  ],
  div: ({ g, saved: [a, b], inputShapes: [sa, sb] }) => [
    reduceTo(div(g, b!), sa!),
    reduceTo(neg(div(mul(g, a!), mul(b!, b!))), sb!),
  ],
  pow: ({ g, saved: [x], attrs: { exponent: p } }) => [mul(g, mul(pow(x!, p - 1), p))],
  neg: ({ g }) => [neg(g)],
  exp: ({ g, saved: [y] }) => [mul(g, y!)],
  log: ({ g, saved: [x] }) => [div(g, x!)],
  sqrt: ({ g, saved: [y] }) => [div(g, mul(y!, 2))],
  rsqrt: ({ g, saved: [y] }) => [mul(g, mul(pow(y!, 3), -0.5))],
  tanh: ({ g, saved: [y] }) => [mul(g, sub(1, mul(y!, y!)))],
  sigmoid: ({ g, saved: [y] }) => [mul(g, mul(y!, sub(1, y!)))],
  relu: ({ g, saved: [x] }) => [where(gt(x!, 0), g, 0)],
  gelu: ({ g, saved: [x], attrs }) => [
    attrs.approximate === 'tanh' ? geluTanhGrad(x!, g) : geluErfGrad(x!, g),
  ],
  silu: ({ g, saved: [x] }) => [siluGrad(x!, g)],
  sum: ({ g, attrs, inputShapes: [s] }) => [unreduce(g, s!, attrs.axes, attrs.keepDims)],
  mean: ({ g, attrs, inputShapes: [s] }) => {
    const n = attrs.axes.reduce((k, a) => k * s![a]!, 1);
    return [unreduce(div(g, n), s!, attrs.axes, attrs.keepDims)];
  },
  max: ({ g, saved: [x, y], attrs }) => {
    // Ties share the gradient equally.
    const mask = cast(eq(x!, y!), x!.dtype);
    const gk = attrs.keepDims ? g : g.unsqueeze(attrs.axis);
    return [mul(mask, div(gk, sum(mask, { axis: attrs.axis, keepDims: true })))];
  },
  softmax: ({ g, saved: [y], attrs }) => [
    nativeSoftmaxGrad(false, y!, g, attrs.axis) ??
      mul(y!, sub(g, sum(mul(g, y!), { axis: attrs.axis, keepDims: true }))),
  ],
  logSoftmax: ({ g, saved: [y], attrs }) => [
    nativeSoftmaxGrad(true, y!, g, attrs.axis) ??
      sub(g, mul(exp(y!), sum(g, { axis: attrs.axis, keepDims: true }))),
  ],
  matmul: ({ g, saved: [a, b], attrs: { transA, transB }, inputShapes: [sa, sb] }) => {
    if (sb!.length === 2 && a!.rank > 2 && !transA) {
      // A shared 2-D weight: its gradient is one GEMM over all batch rows, not one per batch
      // entry summed afterwards (and no [batch, ...weight] temporary).
      const a2 = reshape(a!, [-1, a!.shape[a!.rank - 1]!]);
      const g2 = reshape(g, [-1, g.shape[g.rank - 1]!]);
      const gb = transB ? matmul(g2, a2, { transA: true }) : matmul(a2, g2, { transA: true });
      return [matmul(g, b!, { transB: !transB }), gb];
    }
    const ga = transA ? matmul(b!, g, { transA: transB, transB: true }) : matmul(g, b!, { transB: !transB });
    const gb = transB ? matmul(g, a!, { transA: true, transB: transA }) : matmul(a!, g, { transA: !transA });
    return [reduceTo(ga, sa!), reduceTo(gb, sb!)];
  },
  layerNorm: ({ g, saved, attrs }) =>
    layerNormGrad(saved[0]!, attrs.hasGamma ? saved[1] : undefined, g, attrs.eps, attrs.hasBeta),
  rmsNorm: ({ g, saved, attrs }) =>
    rmsNormGrad(saved[0]!, attrs.hasGamma ? saved[1] : undefined, g, attrs.eps),
  gather: ({ g, saved: [indices], attrs: { axis }, inputShapes: [s] }) => {
    const n = indices!.size;
    const flatShape = [...s!.slice(0, axis), n, ...s!.slice(axis + 1)];
    return [scatterAdd(zeros(s!, g.dtype), reshape(indices!, [n]), reshape(g, flatShape), axis)];
  },
  reshape: ({ g, inputShapes: [s] }) => [reshape(g, s!)],
  expand: ({ g, inputShapes: [s] }) => [reduceTo(g, s!)],
  permute: ({ g, attrs: { axes } }) => {
    const inv = new Array<number>(axes.length);
    axes.forEach((a, i) => {
      inv[a] = i;
    });
    return [g.permute(...inv)];
  },
  slice: ({ g, attrs: { axis, start, count, step }, inputShapes: [s] }) => {
    const out = zeros(s!, g.dtype);
    if (count === 0) return [out];
    const idx = arange(start, start + count * step, step, 'i32');
    return [scatterAdd(out, idx, g, axis)];
  },
  concat: ({ g, attrs: { axis, sizes } }) => {
    let start = 0;
    return sizes.map((n) => {
      start += n;
      return g.slice(axis, start - n, start);
    });
  },
  where: ({ g, saved: [cond], inputShapes: [sa, sb] }) => [
    reduceTo(where(cond!, g, 0), sa!),
    reduceTo(where(cond!, 0, g), sb!),
  ],
  crossEntropy: ({ g, saved: [logits, targets] }) => {
    const [n, c] = logits!.shape as [number, number];
    // softmax − onehot without materializing the [N, C] one-hot: −1 is scattered into each row's
    // target entry of the flattened probabilities (native for f32).
    const probs = softmax(logits!, 1);
    const at = Int32Array.from(targets!.toFlatArray(), (t, i) => i * c + t);
    scatterAdd(reshape(probs, [n * c]), tensor(at), full([n], -1, probs.dtype), 0);
    return [mul(probs, div(g, n))];
  },
};
