import type { Tensor } from '../../tensor/tensor.js';
import type { Backend, OpArgs, OpName } from '../types.js';
import { attentionFits, runAttention } from './attention.js';
import { loadNative, type NativeAddon } from './binding.js';
import { aroundAxis, rowGatherFits, runRowGather } from './gather.js';
import { binaryPlan, matrixLayout, reduceRows, uniformBatchStride } from './layouts.js';
import { linearFits, runLinear } from './linear.js';

/**
 * The native backend: maps ops onto the addon's kernels when the dtypes and layouts fit them
 * (contiguous f32 rows, broadcast rows or columns, strided or transposed matrices) and declines
 * the rest, which then runs on the reference backend.
 */
type NativeKernel<K extends OpName> = {
  /** Addon functions the kernel calls; an addon built from older sources may lack some. */
  uses: readonly (keyof NativeAddon)[];
  fits(args: OpArgs[K]): boolean;
  run(addon: NativeAddon, args: OpArgs[K]): void;
};

const f32 = (t: Tensor) => t.data as Float32Array;
const contiguousF32 = (...ts: (Tensor | undefined)[]) =>
  ts.every((t) => t === undefined || (t.dtype === 'f32' && t.isContiguous));

const COMMUTATIVE = new Set(['add', 'mul', 'maximum', 'minimum']);

const KERNELS: { [K in OpName]?: NativeKernel<K> } = {
  unary: {
    uses: ['unaryF32'],
    fits: ({ x, out }) => contiguousF32(x, out),
    run: (addon, { op, x, out }) => addon.unaryF32(op, f32(x), x.offset, f32(out), out.offset, out.size),
  },
  binary: {
    uses: ['binaryF32'],
    fits: ({ op, a, b, out }) =>
      contiguousF32(out) &&
      a.dtype === 'f32' &&
      (binaryPlan(a, b) !== undefined || (COMMUTATIVE.has(op) && binaryPlan(b, a) !== undefined)),
    run: (addon, { op, a, b, out }) => {
      const direct = binaryPlan(a, b);
      const [x, y, plan] = direct ? [a, b, direct] : [b, a, binaryPlan(b, a)!];
      addon.binaryF32(
        op,
        f32(x),
        x.offset,
        f32(y),
        y.offset,
        plan.bLen,
        plan.inner,
        f32(out),
        out.offset,
        out.size,
      );
    },
  },
  reduce: {
    uses: ['reduceRowsF32', 'argmaxRowsF32'],
    fits: ({ x, axes, out }) => contiguousF32(x, out) && reduceRows(x, axes) !== undefined,
    run: (addon, { op, x, axes, correction, out }) => {
      const { rows, cols } = reduceRows(x, axes)!;
      if (op === 'argmax') {
        addon.argmaxRowsF32(f32(x), x.offset, rows, cols, out.data as Int32Array, out.offset);
        return;
      }
      addon.reduceRowsF32(op, f32(x), x.offset, rows, cols, f32(out), out.offset);
      if (op === 'var' && correction !== 0) {
        const o = f32(out);
        const k = cols / (cols - correction);
        for (let i = 0; i < rows; i++) o[out.offset + i]! *= k;
      }
    },
  },
  softmax: {
    uses: ['softmaxRowsF32'],
    fits: ({ x, axis, out }) => contiguousF32(x, out) && axis === x.rank - 1,
    run: (addon, { x, log, out }) => {
      const cols = x.shape[x.rank - 1]!;
      addon.softmaxRowsF32(f32(x), x.offset, cols === 0 ? 0 : x.size / cols, cols, f32(out), out.offset, log);
    },
  },
  layerNorm: {
    uses: ['layerNormRowsF32', 'addLayerNormRowsF32'],
    fits: ({ x, residual, gamma, beta, out }) => contiguousF32(x, residual, out, gamma, beta),
    run: (addon, { x, residual, gamma, beta, eps, out }) => {
      const cols = x.shape[x.rank - 1]!;
      if (residual) {
        addon.addLayerNormRowsF32(
          f32(x),
          x.offset,
          cols === 0 ? 0 : x.size / cols,
          cols,
          f32(residual),
          residual.offset,
          gamma ? f32(gamma).subarray(gamma.offset, gamma.offset + cols) : null,
          beta ? f32(beta).subarray(beta.offset, beta.offset + cols) : null,
          eps,
          f32(out),
          out.offset,
        );
        return;
      }
      addon.layerNormRowsF32(
        f32(x),
        x.offset,
        cols === 0 ? 0 : x.size / cols,
        cols,
        gamma ? f32(gamma).subarray(gamma.offset, gamma.offset + cols) : null,
        beta ? f32(beta).subarray(beta.offset, beta.offset + cols) : null,
        eps,
        f32(out),
        out.offset,
      );
    },
  },
  rmsNorm: {
    uses: ['rmsNormRowsF32'],
    fits: ({ x, gamma, out }) => contiguousF32(x, out, gamma),
    run: (addon, { x, gamma, eps, out }) => {
      const cols = x.shape[x.rank - 1]!;
      addon.rmsNormRowsF32(
        f32(x),
        x.offset,
        cols === 0 ? 0 : x.size / cols,
        cols,
        gamma ? f32(gamma).subarray(gamma.offset, gamma.offset + cols) : null,
        eps,
        f32(out),
        out.offset,
      );
    },
  },
  attention: { uses: ['attentionF32'], fits: attentionFits, run: runAttention },
  gather: { uses: ['gatherRowsF32'], fits: rowGatherFits, run: runRowGather },
  linear: {
    uses: ['gemmF32', 'gemmF32PackB', 'linearF32Packed', 'unaryF32'],
    fits: linearFits,
    run: runLinear,
  },
  matmul: {
    uses: ['gemmF32', 'gemmBf16', 'f32ToBf16'],
    fits: ({ a, b, out }) =>
      (out.dtype === 'f32' || out.dtype === 'bf16') &&
      a.dtype === out.dtype &&
      out.isContiguous &&
      matmulPlan(a, b, out) !== undefined,
    run: (addon, args) => runMatmul(addon, args),
  },
  qmatmul: {
    uses: ['gemmI8'],
    fits: ({ a, w, scaleA, scaleW, bias, out }) =>
      a.isContiguous && w.isContiguous && contiguousF32(scaleA, scaleW, bias, out),
    run: (addon, { a, w, scaleA, scaleW, groupSize, bias, out }) => {
      const [m, k] = a.shape as [number, number];
      const n = w.shape[0]!;
      const sub = (t: Tensor) => f32(t).subarray(t.offset, t.offset + t.size);
      addon.gemmI8(
        m,
        n,
        k,
        a.data as Int8Array,
        a.offset,
        w.data as Int8Array,
        w.offset,
        f32(out),
        out.offset,
        sub(scaleA),
        sub(scaleW),
        bias ? sub(bias) : null,
        groupSize === k ? 0 : groupSize,
      );
    },
  },
  copy: {
    uses: ['f32ToBf16', 'f32ToF16', 'bf16ToF32', 'f16ToF32', 'copyStridedF32'],
    fits: ({ x, out }) =>
      (x.dtype === 'f32' && out.dtype === 'f32' && x.rank <= 8) ||
      (x.isContiguous &&
        out.isContiguous &&
        (x.dtype === out.dtype ||
          (x.dtype === 'f32' && (out.dtype === 'bf16' || out.dtype === 'f16')) ||
          (out.dtype === 'f32' && (x.dtype === 'bf16' || x.dtype === 'f16')))),
    run: (addon, { x, out }) => {
      const n = x.size;
      if (x.dtype === 'f32' && out.dtype === 'f32' && !(x.isContiguous && out.isContiguous)) {
        // Transposes and other views (attention heads, permute gradients) copy natively.
        addon.copyStridedF32(
          Int32Array.from(x.shape),
          f32(x),
          x.offset,
          Int32Array.from(x.strides),
          f32(out),
          out.offset,
          Int32Array.from(out.strides),
        );
      } else if (x.dtype === out.dtype) {
        out.data.set(x.data.subarray(x.offset, x.offset + n) as never, out.offset);
      } else if (x.dtype === 'f32') {
        const convert = out.dtype === 'bf16' ? addon.f32ToBf16 : addon.f32ToF16;
        convert(f32(x), x.offset, out.data as Uint16Array, out.offset, n);
      } else {
        const convert = x.dtype === 'bf16' ? addon.bf16ToF32 : addon.f16ToF32;
        convert(x.data as Uint16Array, x.offset, f32(out), out.offset, n);
      }
    },
  },
  where: {
    uses: ['whereF32'],
    fits: ({ cond, a, b, out }) =>
      cond.dtype === 'bool' && a.dtype === 'f32' && b.dtype === 'f32' && contiguousF32(out) && out.rank <= 8,
    run: (addon, { cond, a, b, out }) => {
      const ints = (xs: readonly number[]) => Int32Array.from(xs);
      addon.whereF32(
        ints(out.shape),
        cond.data as Uint8Array,
        cond.offset,
        ints(cond.strides),
        f32(a),
        a.offset,
        ints(a.strides),
        f32(b),
        b.offset,
        ints(b.strides),
        f32(out),
        out.offset,
      );
    },
  },
  scatterAdd: {
    uses: ['scatterAddRowsF32'],
    fits: ({ target, indices, src }) =>
      contiguousF32(target, src) && indices.dtype === 'i32' && indices.isContiguous,
    run: (addon, { target, indices, src, axis }) => {
      const { outer, rows, inner } = aroundAxis(target, axis);
      addon.scatterAddRowsF32(
        f32(target),
        target.offset,
        outer,
        rows,
        inner,
        indices.data as Int32Array,
        indices.offset,
        indices.size,
        f32(src),
        src.offset,
      );
    },
  },
};

interface MatmulPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  a: { trans: boolean; ld: number; stride: number };
  b: { trans: boolean; ld: number; stride: number };
}

function matmulPlan(a: Tensor, b: Tensor, out: Tensor): MatmulPlan | undefined {
  const r = out.rank;
  const [m, n] = [out.shape[r - 2]!, out.shape[r - 1]!];
  const k = a.shape[r - 1]!;
  const batch = out.size / Math.max(1, m * n);
  const la = matrixLayout(a, m, k);
  const lb = matrixLayout(b, k, n);
  const sa = uniformBatchStride(a);
  const sb = uniformBatchStride(b);
  if (!la || !lb || sa === undefined || sb === undefined || !Number.isInteger(batch)) return undefined;
  return { m, n, k, batch, a: { ...la, stride: sa }, b: { ...lb, stride: sb } };
}

function runMatmul(addon: NativeAddon, { a, b, out }: OpArgs['matmul']): void {
  const p = matmulPlan(a, b, out)!;
  if (out.size === 0) return;
  if (out.dtype === 'f32') {
    addon.gemmF32(
      p.m,
      p.n,
      p.k,
      p.batch,
      f32(a),
      a.offset,
      p.a.ld,
      p.a.trans,
      p.a.stride,
      f32(b),
      b.offset,
      p.b.ld,
      p.b.trans,
      p.b.stride,
      f32(out),
      out.offset,
      p.n,
      p.m * p.n,
      1,
      0,
    );
    return;
  }
  const acc = new Float32Array(out.size);
  addon.gemmBf16(
    p.m,
    p.n,
    p.k,
    p.batch,
    a.data as Uint16Array,
    a.offset,
    p.a.ld,
    p.a.trans,
    p.a.stride,
    b.data as Uint16Array,
    b.offset,
    p.b.ld,
    p.b.trans,
    p.b.stride,
    acc,
    0,
    p.n,
    p.m * p.n,
    1,
    0,
  );
  addon.f32ToBf16(acc, 0, out.data as Uint16Array, out.offset, out.size);
}

/** Creates the native backend, or says why it is unavailable. */
export function createNativeBackend(): { backend?: Backend; reason?: string } {
  const native = loadNative();
  if (!native.available) return { reason: native.reason };
  const addon = native.addon;
  return {
    backend: {
      name: 'native',
      supports(op, args) {
        const k = KERNELS[op] as NativeKernel<typeof op> | undefined;
        return k !== undefined && k.uses.every((f) => typeof addon[f] === 'function') && k.fits(args);
      },
      run(op, args) {
        (KERNELS[op] as NativeKernel<typeof op>).run(addon, args);
      },
    },
  };
}
