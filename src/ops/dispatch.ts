import { runOp } from '../backend/registry.js';
import type { OpArgs, OpName } from '../backend/types.js';
import { FrugalError } from '../core/errors.js';
import { type DType, isFloatDType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export { runOp };

// Ops whose kernels, on every backend, write each element of their output: it need not be cleared.
const WRITES_EVERY_ELEMENT: ReadonlySet<OpName> = new Set<OpName>([
  'linear',
  'layerNorm',
  'unary',
  'binary',
  'gather',
]);

/** Allocates the contiguous output of an op and runs it. */
export function runInto<K extends OpName>(
  op: K,
  dtype: DType,
  shape: Shape,
  args: Omit<OpArgs[K], 'out'>,
): Tensor {
  const out = WRITES_EVERY_ELEMENT.has(op)
    ? Tensor.uninitialized(dtype, shape, op)
    : Tensor.empty(dtype, shape, op);
  runOp(op, { ...args, out } as OpArgs[K]);
  return out;
}

export function assertLive(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.isDisposed) {
      throw new FrugalError('E_DISPOSED', `an input of shape [${t.shape}] was already disposed`, { op });
    }
  }
}

export function requireFloat(op: string, t: Tensor): void {
  if (!isFloatDType(t.dtype)) {
    throw new FrugalError('E_DTYPE', `needs a floating-point tensor, got ${t.dtype}`, {
      op,
      shapes: [t.shape],
      hint: "cast it first, e.g. cast(x, 'f32')",
    });
  }
}

export function requireSameDType(op: string, ...ts: Tensor[]): void {
  const d = ts[0]!.dtype;
  for (const t of ts) {
    if (t.dtype !== d) {
      throw new FrugalError('E_DTYPE', `dtypes differ (${ts.map((x) => x.dtype).join(' vs ')})`, {
        op,
        shapes: ts.map((x) => x.shape),
        hint: 'cast the inputs to one dtype first',
      });
    }
  }
}

export function requireDType(op: string, t: Tensor, allowed: readonly DType[], what = 'input'): void {
  if (!allowed.includes(t.dtype)) {
    throw new FrugalError('E_DTYPE', `${what} must be ${allowed.join(' or ')}, got ${t.dtype}`, {
      op,
      shapes: [t.shape],
    });
  }
}
