import { FrugalError } from '../core/errors.js';
import { type DType, decodeValue, type StorageArrayOf } from './dtype.js';
import { accountTensorHandle } from './memory.js';
import { type Disposable, trackInScope } from './scope.js';
import {
  checkShape,
  contiguousStrides,
  isContiguous,
  normalizeAxis,
  type Shape,
  shapeSize,
} from './shape.js';
import { Storage } from './storage.js';

export type NestedArray = number | boolean | NestedArray[];

/**
 * A view onto a Storage: dtype, shape, strides (in elements) and offset. Views (reshape of a
 * contiguous tensor, permute, transpose, slice, expand) share storage and copy nothing; element
 * (i0, i1, ...) lives at offset + sum(ik * strides[k]).
 */
export class Tensor<D extends DType = DType> implements Disposable {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly storage: Storage<D>;
  private disposed = false;

  constructor(storage: Storage<D>, shape: Shape, strides?: readonly number[], offset = 0) {
    this.storage = storage;
    this.dtype = storage.dtype;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    storage.retain();
    accountTensorHandle(1);
    trackInScope(this);
  }

  /** A new contiguous tensor of zeros. */
  static empty<D extends DType>(dtype: D, shape: Shape, op = 'empty'): Tensor<D> {
    checkShape(op, shape);
    return new Tensor(new Storage(dtype, shapeSize(shape)), shape);
  }

  /**
   * A new contiguous tensor whose contents are unspecified (a reused pool array is not cleared):
   * only for the output of a kernel that writes every element. Clearing a 12 MB activation costs
   * about as much as the layer norm that then overwrites it.
   */
  static uninitialized<D extends DType>(dtype: D, shape: Shape, op = 'uninitialized'): Tensor<D> {
    checkShape(op, shape);
    return new Tensor(new Storage(dtype, shapeSize(shape), { zeroed: false }), shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return shapeSize(this.shape);
  }

  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The storage array (all of it, not just this view's elements). */
  get data(): StorageArrayOf[D] {
    if (this.disposed) {
      throw new FrugalError('E_DISPOSED', `tensor of shape [${this.shape}] was used after dispose()`);
    }
    return this.storage.data;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    accountTensorHandle(-1);
    this.storage.release();
  }

  /** Element at a multi-index, decoded to a JS number. */
  get(...index: number[]): number {
    if (index.length !== this.rank) {
      throw new FrugalError('E_INDEX', `expected ${this.rank} indices, got ${index.length}`, {
        op: 'get',
        shapes: [this.shape],
      });
    }
    let off = this.offset;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i]!;
      let k = index[i]!;
      if (k < 0) k += d;
      if (!Number.isInteger(k) || k < 0 || k >= d) {
        throw new FrugalError('E_INDEX', `index ${index[i]} out of range for dimension ${i} of size ${d}`, {
          op: 'get',
          shapes: [this.shape],
        });
      }
      off += k * this.strides[i]!;
    }
    return decodeValue(this.dtype, this.data[off]!);
  }

  /** The only element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new FrugalError('E_SHAPE', `item() needs exactly one element, got ${this.size}`, {
        op: 'item',
        shapes: [this.shape],
      });
    }
    return this.get(...this.shape.map(() => 0));
  }

  /** All elements in row-major order, decoded to JS numbers. */
  toFlatArray(): number[] {
    const out = new Array<number>(this.size);
    const data = this.data;
    let i = 0;
    forEachOffset(this.shape, this.strides, this.offset, (off) => {
      out[i++] = decodeValue(this.dtype, data[off]!);
    });
    return out;
  }

  /** Elements as f32 in row-major order (decodes bf16/f16). */
  toFloat32Array(): Float32Array {
    return Float32Array.from(this.toFlatArray());
  }

  /** Elements as nested JS arrays (booleans for bool tensors). */
  toArray(): NestedArray {
    const flat = this.toFlatArray();
    const asBool = this.dtype === 'bool';
    let i = 0;
    const build = (dim: number): NestedArray => {
      if (dim === this.rank) {
        const v = flat[i++]!;
        return asBool ? v !== 0 : v;
      }
      return Array.from({ length: this.shape[dim]! }, () => build(dim + 1));
    };
    return build(0);
  }

  /** A view with a new shape; only for layouts where no copy is needed (see reshape()). */
  view(shape: readonly number[]): Tensor<D> {
    const resolved = resolveReshape('view', this.shape, shape);
    const strides = viewStrides(this.shape, this.strides, resolved);
    if (strides === undefined) {
      throw new FrugalError('E_SHAPE', 'this layout cannot be viewed with the new shape without a copy', {
        op: 'view',
        shapes: [this.shape, resolved],
        hint: 'use reshape(), which copies when it must, or contiguous() first',
      });
    }
    return new Tensor(this.storage, resolved, strides, this.offset);
  }

  permute(...axes: number[]): Tensor<D> {
    const r = this.rank;
    const norm = axes.map((a) => normalizeAxis('permute', a, r, this.shape));
    if (norm.length !== r || new Set(norm).size !== r) {
      throw new FrugalError('E_AXIS', `permute needs each of the ${r} axes once, got [${axes}]`, {
        op: 'permute',
        shapes: [this.shape],
      });
    }
    return new Tensor(
      this.storage,
      norm.map((a) => this.shape[a]!),
      norm.map((a) => this.strides[a]!),
      this.offset,
    );
  }

  /** Swaps two axes (default: the last two), as a view. */
  transpose(a = -2, b = -1): Tensor<D> {
    const r = this.rank;
    const axes = this.shape.map((_, i) => i);
    const x = normalizeAxis('transpose', a, r, this.shape);
    const y = normalizeAxis('transpose', b, r, this.shape);
    axes[x] = y;
    axes[y] = x;
    return this.permute(...axes);
  }

  /** Elements [start, end) with step along one axis, as a view. Negative indices count from the end. */
  slice(axis: number, start: number, end?: number, step = 1): Tensor<D> {
    const ax = normalizeAxis('slice', axis, this.rank, this.shape);
    const d = this.shape[ax]!;
    if (!Number.isInteger(step) || step <= 0) {
      throw new FrugalError('E_ARG', `slice step must be a positive integer, got ${step}`, {
        op: 'slice',
        shapes: [this.shape],
      });
    }
    const clampIndex = (i: number) => Math.min(d, Math.max(0, i < 0 ? i + d : i));
    const s = clampIndex(start);
    const e = Math.max(s, clampIndex(end ?? d));
    const shape = [...this.shape];
    const strides = [...this.strides];
    shape[ax] = Math.ceil((e - s) / step);
    strides[ax] = this.strides[ax]! * step;
    return new Tensor(
      this.storage,
      shape,
      strides,
      this.offset + (shape[ax] === 0 ? 0 : s * this.strides[ax]!),
    );
  }

  /** Broadcasts size-1 dimensions (and new leading ones) to `shape` with stride 0, as a view. */
  expand(shape: readonly number[]): Tensor<D> {
    checkShape('expand', shape);
    const lead = shape.length - this.rank;
    if (lead < 0) {
      throw new FrugalError('E_SHAPE', 'cannot expand to fewer dimensions', {
        op: 'expand',
        shapes: [this.shape, shape],
      });
    }
    const strides = shape.map((d, i) => {
      if (i < lead) return 0;
      const own = this.shape[i - lead]!;
      if (own === d) return this.strides[i - lead]!;
      if (own === 1) return 0;
      throw new FrugalError('E_SHAPE', `dimension ${i - lead} of size ${own} cannot expand to ${d}`, {
        op: 'expand',
        shapes: [this.shape, shape],
        hint: 'only dimensions of size 1 can be expanded',
      });
    });
    return new Tensor(this.storage, shape, strides, this.offset);
  }

  /** Inserts a dimension of size 1 at `axis`, as a view. */
  unsqueeze(axis: number): Tensor<D> {
    const ax = normalizeAxis('unsqueeze', axis, this.rank + 1, this.shape);
    const shape = [...this.shape];
    const strides = [...this.strides];
    shape.splice(ax, 0, 1);
    strides.splice(ax, 0, ax < this.rank ? this.strides[ax]! * this.shape[ax]! : 1);
    return new Tensor(this.storage, shape, strides, this.offset);
  }

  /** Removes size-1 dimensions (all, or the given axis), as a view. */
  squeeze(axis?: number): Tensor<D> {
    const drop =
      axis === undefined
        ? this.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
        : [normalizeAxis('squeeze', axis, this.rank, this.shape)];
    for (const i of drop) {
      if (this.shape[i] !== 1) {
        throw new FrugalError('E_SHAPE', `axis ${i} has size ${this.shape[i]}, not 1`, {
          op: 'squeeze',
          shapes: [this.shape],
        });
      }
    }
    const keepAxes = this.shape.map((_, i) => i).filter((i) => !drop.includes(i));
    return new Tensor(
      this.storage,
      keepAxes.map((i) => this.shape[i]!),
      keepAxes.map((i) => this.strides[i]!),
      this.offset,
    );
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }
}

/** Calls `fn` with the storage offset of every element, in row-major order. */
export function forEachOffset(
  shape: Shape,
  strides: readonly number[],
  offset: number,
  fn: (off: number) => void,
): void {
  const rank = shape.length;
  const n = shapeSize(shape);
  if (n === 0) return;
  if (rank === 0) {
    fn(offset);
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastDim = shape[last]!;
  const lastStride = strides[last]!;
  let base = offset;
  for (;;) {
    for (let j = 0, off = base; j < lastDim; j++, off += lastStride) fn(off);
    let k = last - 1;
    while (k >= 0) {
      idx[k]!++;
      base += strides[k]!;
      if (idx[k]! < shape[k]!) break;
      base -= strides[k]! * shape[k]!;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

/** Resolves one -1 in a target shape and checks the element count. */
export function resolveReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const n = shapeSize(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) {
    throw new FrugalError('E_SHAPE', 'at most one dimension can be -1', { op, shapes: [from, to] });
  }
  const known = to.filter((d) => d !== -1);
  checkShape(op, known);
  const knownSize = shapeSize(known);
  const resolved = to.map((d) => (d === -1 ? (knownSize === 0 ? 0 : n / knownSize) : d));
  if (shapeSize(resolved) !== n || !resolved.every(Number.isInteger)) {
    throw new FrugalError('E_SHAPE', `cannot reshape ${n} elements into [${to.join(', ')}]`, {
      op,
      shapes: [from, to],
    });
  }
  return resolved;
}

/**
 * Strides that address `to` over the same elements as (from, strides), or undefined when the
 * old layout cannot be regrouped without a copy. This is PyTorch's view rule: each run of old
 * dimensions that is contiguous within itself may be split or merged freely.
 */
function viewStrides(from: Shape, strides: readonly number[], to: Shape): number[] | undefined {
  if (isContiguous(from, strides) || shapeSize(from) === 0) return contiguousStrides(to);
  const out = new Array<number>(to.length).fill(1);
  if (from.length === 0) return out;
  let viewD = to.length - 1;
  let chunkBaseStride = strides[from.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = from.length - 1; d >= 0; d--) {
    tensorNumel *= from[d]!;
    if (d === 0 || (from[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || to[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= to[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return undefined;
      if (d > 0) {
        chunkBaseStride = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : undefined;
}
