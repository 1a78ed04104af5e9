/**
 * Element types. bf16 and f16 are stored as raw 16-bit patterns in a Uint16Array and converted
 * to f32 (round to nearest even) on the way in and exactly on the way out.
 */
export const DTYPES = ['f32', 'bf16', 'f16', 'i8', 'u8', 'i32', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

export interface StorageArrayOf {
  f32: Float32Array;
  bf16: Uint16Array;
  f16: Uint16Array;
  i8: Int8Array;
  u8: Uint8Array;
  i32: Int32Array;
  bool: Uint8Array;
}
export type StorageArray = StorageArrayOf[DType];

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  f32: 4,
  bf16: 2,
  f16: 2,
  i8: 1,
  u8: 1,
  i32: 4,
  bool: 1,
};

export function isFloatDType(d: DType): d is 'f32' | 'bf16' | 'f16' {
  return d === 'f32' || d === 'bf16' || d === 'f16';
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function allocateStorageArray<D extends DType>(dtype: D, length: number): StorageArrayOf[D] {
  switch (dtype) {
    case 'f32':
      return new Float32Array(length) as StorageArrayOf[D];
    case 'bf16':
    case 'f16':
      return new Uint16Array(length) as StorageArrayOf[D];
    case 'i8':
      return new Int8Array(length) as StorageArrayOf[D];
    case 'u8':
    case 'bool':
      return new Uint8Array(length) as StorageArrayOf[D];
    case 'i32':
      return new Int32Array(length) as StorageArrayOf[D];
  }
  throw new Error(`unreachable dtype ${dtype satisfies never}`);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** f32 → bf16 bits, round to nearest even; NaN stays a quiet NaN. */
export function f32ToBf16(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export function bf16ToF32(h: number): number {
  u32Scratch[0] = (h & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** f32 → IEEE half bits, round to nearest even, with subnormals, infinities and NaN. */
export function f32ToF16(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  e = half >>> 10;
  return sign | half;
}

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts a JS number to the value a dtype stores: rounding floats, saturating integers. */
export function encodeValue(dtype: DType, x: number): number {
  switch (dtype) {
    case 'f32':
      return x;
    case 'bf16':
      return f32ToBf16(x);
    case 'f16':
      return f32ToF16(x);
    case 'i8':
      return saturateInt(x, -128, 127);
    case 'u8':
      return saturateInt(x, 0, 255);
    case 'i32':
      return saturateInt(x, -2147483648, 2147483647);
    case 'bool':
      return x !== 0 && !Number.isNaN(x) ? 1 : 0;
  }
  throw new Error(`unreachable dtype ${dtype satisfies never}`);
}

/** Converts a stored value to the JS number it represents. */
export function decodeValue(dtype: DType, v: number): number {
  if (dtype === 'bf16') return bf16ToF32(v);
  if (dtype === 'f16') return f16ToF32(v);
  return v;
}

function saturateInt(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  return t < lo ? lo : t > hi ? hi : t;
}
