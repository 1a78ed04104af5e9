import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type DType, encodeValue, isDType, type StorageArrayOf } from './dtype.js';
import { checkShape, type Shape, shapeSize } from './shape.js';
import { Storage } from './storage.js';
import { type NestedArray, Tensor } from './tensor.js';

type TypedInput = Float32Array | Int32Array | Int8Array | Uint8Array | Uint16Array | Float64Array;

const TYPED_DTYPE = new Map<unknown, DType>([
  [Float32Array, 'f32'],
  [Float64Array, 'f32'],
  [Int32Array, 'i32'],
  [Int8Array, 'i8'],
  [Uint8Array, 'u8'],
]);

/**
 * A tensor from nested arrays, a flat array with a shape, or a typed array (which becomes the
 * storage without a copy when its type matches the dtype).
 */
export function tensor(
  values: NestedArray | TypedInput | readonly number[],
  opts: TensorOptions = {},
): Tensor {
  if (ArrayBuffer.isView(values)) return fromTyped(values as TypedInput, opts);
  const shape = opts.shape ? [...opts.shape] : inferShape(values as NestedArray);
  const flat: number[] = [];
  flatten(values as NestedArray, flat);
  const hasBool = typeof firstLeaf(values as NestedArray) === 'boolean';
  const dtype = opts.dtype ?? (hasBool ? 'bool' : 'f32');
  checkDType('tensor', dtype);
  checkShape('tensor', shape);
  if (shapeSize(shape) !== flat.length) {
    throw new FrugalError('E_SHAPE', `${flat.length} values do not fill shape [${shape.join(', ')}]`, {
      op: 'tensor',
      shapes: [shape],
    });
  }
  const t = Tensor.empty(dtype, shape, 'tensor');
  const data = t.data;
  for (let i = 0; i < flat.length; i++) data[i] = encodeValue(dtype, flat[i]!);
  return t;
}

export interface TensorOptions {
  dtype?: DType;
  shape?: Shape;
}

function fromTyped(values: TypedInput, opts: TensorOptions): Tensor {
  const shape = opts.shape ? [...opts.shape] : [values.length];
  checkShape('tensor', shape);
  if (shapeSize(shape) !== values.length) {
    throw new FrugalError('E_SHAPE', `${values.length} values do not fill shape [${shape.join(', ')}]`, {
      op: 'tensor',
      shapes: [shape],
    });
  }
  const natural = values instanceof Uint16Array ? undefined : TYPED_DTYPE.get(values.constructor);
  const dtype = opts.dtype ?? natural;
  if (dtype === undefined) {
    throw new FrugalError('E_DTYPE', 'a Uint16Array needs an explicit dtype (bf16 or f16)', { op: 'tensor' });
  }
  checkDType('tensor', dtype);
  const sharesStorage =
    (dtype === natural && !(values instanceof Float64Array)) ||
    (values instanceof Uint16Array && (dtype === 'bf16' || dtype === 'f16'));
  if (sharesStorage) return new Tensor(new Storage(dtype, values as StorageArrayOf[typeof dtype]), shape);
  const t = Tensor.empty(dtype, shape, 'tensor');
  const data = t.data;
  for (let i = 0; i < values.length; i++) data[i] = encodeValue(dtype, values[i]!);
  return t;
}

export function zeros(shape: Shape, dtype: DType = 'f32'): Tensor {
  checkDType('zeros', dtype);
  return Tensor.empty(dtype, shape, 'zeros');
}

export function ones(shape: Shape, dtype: DType = 'f32'): Tensor {
  return full(shape, 1, dtype);
}

export function full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  checkDType('full', dtype);
  const t = Tensor.empty(dtype, shape, 'full');
  t.data.fill(encodeValue(dtype, value));
  return t;
}

/** Values start, start + step, ... below end (like numpy.arange). */
export function arange(start: number, end?: number, step = 1, dtype: DType = 'f32'): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step) || !Number.isFinite(start) || !Number.isFinite(end)) {
    throw new FrugalError(
      'E_ARG',
      `arange needs finite bounds and a non-zero step, got (${start}, ${end}, ${step})`,
      {
        op: 'arange',
      },
    );
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const t = Tensor.empty(dtype, [n], 'arange');
  const data = t.data;
  for (let i = 0; i < n; i++) data[i] = encodeValue(dtype, start + i * step);
  return t;
}

/** Uniform samples in [low, high), seeded: the same seed gives the same numbers everywhere. */
export function rand(
  shape: Shape,
  opts: { seed?: number; low?: number; high?: number; dtype?: DType } = {},
): Tensor {
  const { seed = 0, low = 0, high = 1, dtype = 'f32' } = opts;
  const rng = new Rng(seed);
  return fillWith('rand', shape, dtype, () => low + (high - low) * rng.uniform());
}

/** Normal samples with the given mean and standard deviation, seeded. */
export function randn(
  shape: Shape,
  opts: { seed?: number; mean?: number; std?: number; dtype?: DType } = {},
): Tensor {
  const { seed = 0, mean = 0, std = 1, dtype = 'f32' } = opts;
  const rng = new Rng(seed);
  return fillWith('randn', shape, dtype, () => mean + std * rng.normal());
}

function fillWith(op: string, shape: Shape, dtype: DType, next: () => number): Tensor {
  checkDType(op, dtype);
  const t = Tensor.empty(dtype, shape, op);
  const data = t.data;
  for (let i = 0; i < data.length; i++) data[i] = encodeValue(dtype, next());
  return t;
}

function checkDType(op: string, dtype: unknown): asserts dtype is DType {
  if (!isDType(dtype)) {
    throw new FrugalError('E_DTYPE', `unknown dtype ${JSON.stringify(dtype)}`, {
      op,
      hint: 'use one of f32, bf16, f16, i8, u8, i32, bool',
    });
  }
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  return shape;
}

function firstLeaf(values: NestedArray): number | boolean | undefined {
  let v: NestedArray | undefined = values;
  while (Array.isArray(v)) v = v[0];
  return v;
}

function flatten(values: NestedArray, out: number[]): void {
  if (Array.isArray(values)) {
    for (const v of values) flatten(v, out);
    return;
  }
  if (typeof values === 'boolean') out.push(values ? 1 : 0);
  else if (typeof values === 'number') out.push(values);
  else
    throw new FrugalError('E_ARG', `tensor values must be numbers or booleans, got ${typeof values}`, {
      op: 'tensor',
    });
}
