import { FrugalError } from '../core/errors.js';

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new FrugalError('E_SHAPE', `dimensions must be non-negative integers, got ${d}`, {
        op,
        shapes: [shape.map((x) => (Number.isFinite(x) ? x : Number.NaN))],
      });
    }
  }
}

/** Normalizes a possibly negative axis against `rank`, throwing E_AXIS when out of range. */
export function normalizeAxis(op: string, axis: number, rank: number, shape: Shape = []): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new FrugalError('E_AXIS', `axis ${axis} is out of range for a tensor of rank ${rank}`, {
      op,
      shapes: [shape],
      hint: `use an axis in [${-rank}, ${rank - 1}]`,
    });
  }
  return axis < 0 ? axis + rank : axis;
}

export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined,
  shape: Shape,
): number[] {
  const rank = shape.length;
  if (axes === undefined) return shape.map((_, i) => i);
  const list = (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normalizeAxis(op, a, rank, shape));
  if (new Set(list).size !== list.length) {
    throw new FrugalError('E_AXIS', `axes [${axes}] repeat an axis`, { op, shapes: [shape] });
  }
  return list.sort((a, b) => a - b);
}

/** NumPy broadcasting: aligns trailing dimensions; a dimension of 1 stretches. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new FrugalError(
          'E_SHAPE',
          `shapes cannot be broadcast together (dimension ${o}: ${out[o]} vs ${d})`,
          {
            op,
            shapes,
            hint: 'trailing dimensions must be equal or 1',
          },
        );
      }
    }
  }
  return out;
}

/** True when (shape, strides) address a dense row-major block. */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}
