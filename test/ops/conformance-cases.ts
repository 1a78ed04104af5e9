/**
 * The conformance cases: each builds inputs from a seed (random shapes including 0, 1, odd and
 * non-vector-multiple sizes; strided, transposed and broadcast views) and runs one op.
 */
import { Rng } from '../../src/core/rng.js';
import type { Tensor } from '../../src/ops/index.js';
import * as F from '../../src/ops/index.js';

export interface Case {
  name: string;
  /** Relative/absolute tolerance for f32 results. */
  tol?: number;
  /** The native backend must run (part of) this case: it has a kernel for it. */
  native?: boolean;
  run(seed: number): Tensor;
}

const SIZES = [0, 1, 3, 7, 8, 15, 16, 17, 33, 64, 100];

function dims(rng: Rng, rank: number): number[] {
  return Array.from({ length: rank }, () => SIZES[rng.int(SIZES.length)]!);
}

function nonEmptyDims(rng: Rng, rank: number): number[] {
  return dims(rng, rank).map((d) => (d === 0 ? 5 : d));
}

/** A random input, sometimes as a transposed or strided view over a larger tensor. */
function input(rng: Rng, shape: number[], seed: number, positive = false): Tensor {
  const kind = rng.int(3);
  const make = (s: number[]) => (positive ? F.rand(s, { seed, low: 0.1, high: 3 }) : F.randn(s, { seed }));
  if (kind === 1 && shape.length >= 2) {
    const swapped = [...shape];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    return make(swapped).transpose(0, 1);
  }
  if (kind === 2 && shape.length >= 1) {
    const wide = [...shape];
    wide[wide.length - 1] = shape[shape.length - 1]! * 2;
    return make(wide).slice(-1, 0, undefined, 2);
  }
  return make(shape);
}

const UNARY = ['neg', 'abs', 'exp', 'tanh', 'sigmoid', 'relu', 'silu'] as const;

export const CASES: Case[] = [
  ...UNARY.map((op) => ({
    name: `unary ${op}`,
    native: true,
    run: (seed: number) => {
      const rng = new Rng(seed);
      return F[op](input(rng, dims(rng, 1 + rng.int(3)), seed));
    },
  })),
  { name: 'unary log', run: (s) => F.log(input(new Rng(s), dims(new Rng(s), 2), s, true)) },
  { name: 'unary sqrt', run: (s) => F.sqrt(input(new Rng(s), dims(new Rng(s), 2), s, true)) },
  { name: 'unary rsqrt', run: (s) => F.rsqrt(input(new Rng(s), dims(new Rng(s), 2), s, true)) },
  { name: 'gelu tanh', run: (s) => F.gelu(input(new Rng(s), dims(new Rng(s), 2), s), 'tanh') },
  { name: 'gelu erf', run: (s) => F.gelu(input(new Rng(s), dims(new Rng(s), 2), s), 'none') },
  ...(['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const).map((op) => ({
    name: `binary ${op} broadcast`,
    run: (seed: number) => {
      const rng = new Rng(seed);
      const shape = dims(rng, 3);
      const bShape = shape.slice(rng.int(3)).map((d) => (rng.int(2) === 0 ? 1 : d));
      return F[op](input(rng, shape, seed), input(rng, bShape, seed + 1, op === 'div'));
    },
  })),
  { name: 'binary add scalar', run: (s) => F.add(input(new Rng(s), dims(new Rng(s), 2), s), 2.5) },
  { name: 'binary pow', run: (s) => F.pow(input(new Rng(s), dims(new Rng(s), 2), s, true), 1.7) },
  { name: 'compare lt', run: (s) => F.lt(input(new Rng(s), dims(new Rng(s), 2), s), 0) },
  {
    name: 'where',
    run: (s) => {
      const rng = new Rng(s);
      const x = input(rng, dims(rng, 2), s);
      return F.where(F.gt(x, 0), x, F.mul(x, 0.1));
    },
  },
  { name: 'clamp', run: (s) => F.clamp(input(new Rng(s), dims(new Rng(s), 2), s), -0.5, 0.7) },
  ...(['sum', 'mean', 'max', 'min', 'logsumexp'] as const).map((op) => ({
    name: `reduce ${op}`,
    tol: 2e-5,
    run: (seed: number) => {
      const rng = new Rng(seed);
      const x = input(rng, nonEmptyDims(rng, 3), seed);
      const axis = rng.int(2) === 0 ? -1 : [rng.int(3)];
      return F[op](x, { axis, keepDims: rng.int(2) === 0 });
    },
  })),
  {
    name: 'reduce var',
    tol: 2e-5,
    run: (s) =>
      F.variance(
        input(
          new Rng(s),
          nonEmptyDims(new Rng(s), 2).map((d) => d + 1),
          s,
        ),
        { axis: -1 },
      ),
  },
  { name: 'argmax', run: (s) => F.argmax(input(new Rng(s), nonEmptyDims(new Rng(s), 2), s), -1) },
  {
    name: 'softmax',
    native: true,
    run: (s) => F.softmax(input(new Rng(s), nonEmptyDims(new Rng(s), 3), s), -1),
  },
  { name: 'softmax axis 0', run: (s) => F.softmax(input(new Rng(s), nonEmptyDims(new Rng(s), 2), s), 0) },
  {
    name: 'log softmax',
    native: true,
    run: (s) => F.logSoftmax(input(new Rng(s), nonEmptyDims(new Rng(s), 2), s), -1),
  },
  {
    name: 'layer norm',
    native: true,
    tol: 1e-4,
    run: (s) => {
      const rng = new Rng(s);
      const shape = nonEmptyDims(rng, 2);
      const n = shape[1]!;
      return F.layerNorm(input(rng, shape, s), F.randn([n], { seed: s + 1 }), F.randn([n], { seed: s + 2 }));
    },
  },
  {
    name: 'rms norm',
    native: true,
    tol: 1e-4,
    run: (s) => {
      const rng = new Rng(s);
      const shape = nonEmptyDims(rng, 3);
      return F.rmsNorm(input(rng, shape, s), F.randn([shape[2]!], { seed: s + 1 }));
    },
  },
  {
    name: 'matmul',
    native: true,
    tol: 1e-4,
    run: (s) => {
      const rng = new Rng(s);
      const [m, k, n] = dims(rng, 3);
      return F.matmul(input(rng, [m!, k!], s), input(rng, [k!, n!], s + 1));
    },
  },
  {
    name: 'matmul transposed flags',
    native: true,
    tol: 1e-4,
    run: (s) => {
      const rng = new Rng(s);
      const [m, k, n] = dims(rng, 3);
      return F.matmul(F.randn([k!, m!], { seed: s }), F.randn([n!, k!], { seed: s + 1 }), {
        transA: true,
        transB: true,
      });
    },
  },
  {
    name: 'matmul batched broadcast',
    native: true,
    tol: 1e-4,
    run: (s) => {
      const rng = new Rng(s);
      const [m, k, n] = dims(rng, 3);
      const batch = 1 + rng.int(3);
      return F.matmul(input(rng, [batch, m!, k!], s), input(rng, [k!, n!], s + 1));
    },
  },
  {
    name: 'matmul bf16',
    native: true,
    // bf16 keeps 8 bits of mantissa: results are rounded to bf16, so compare at 1e-2.
    tol: 1e-2,
    run: (s) => {
      const rng = new Rng(s);
      const [m, k, n] = dims(rng, 3);
      const a = F.cast(F.randn([m!, k!], { seed: s }), 'bf16');
      const b = F.cast(F.randn([n!, k!], { seed: s + 1 }), 'bf16');
      return F.cast(F.matmul(a, b, { transB: true }), 'f32');
    },
  },
  {
    name: 'quantized linear',
    native: true,
    tol: 1e-5,
    run: (s) => {
      const rng = new Rng(s);
      const [m, n] = dims(rng, 2);
      const k = 8 * (1 + rng.int(12));
      const q = (shape: number[], seed: number) =>
        F.cast(F.clamp(F.randn(shape, { seed, std: 60 }), -127, 127), 'i8');
      return F.quantizedLinear({
        a: q([m!, k], s),
        w: q([n!, k], s + 1),
        scaleA: F.rand([m!], { seed: s + 2, low: 0.001, high: 0.02 }),
        scaleW: F.rand([n!, k / 8], { seed: s + 3, low: 0.001, high: 0.02 }),
        groupSize: 8,
        bias: F.randn([n!], { seed: s + 4 }),
      });
    },
  },
  {
    name: 'embedding',
    run: (s) => {
      const rng = new Rng(s);
      const [vocab, dim] = nonEmptyDims(rng, 2);
      const ids = F.tensor(
        Array.from({ length: 11 }, () => rng.int(vocab!)),
        { dtype: 'i32' },
      );
      return F.embedding(F.randn([vocab!, dim!], { seed: s }), ids);
    },
  },
  {
    name: 'scatter add',
    run: (s) => {
      const rng = new Rng(s);
      const [rows, dim] = nonEmptyDims(rng, 2);
      const idx = F.tensor(
        Array.from({ length: 9 }, () => rng.int(rows!)),
        { dtype: 'i32' },
      );
      return F.scatterAdd(F.zeros([rows!, dim!]), idx, F.randn([9, dim!], { seed: s }));
    },
  },
  {
    name: 'cast bf16',
    native: true,
    run: (s) => F.cast(F.cast(input(new Rng(s), dims(new Rng(s), 2), s), 'bf16'), 'f32'),
  },
  { name: 'cast f16', run: (s) => F.cast(F.cast(input(new Rng(s), dims(new Rng(s), 2), s), 'f16'), 'f32') },
  { name: 'contiguous', run: (s) => F.contiguous(input(new Rng(s), dims(new Rng(s), 3), s)) },
];
