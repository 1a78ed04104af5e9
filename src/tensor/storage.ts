import { FrugalError } from '../core/errors.js';
import {
  allocateStorageArray,
  BYTES_PER_ELEMENT,
  type DType,
  type StorageArray,
  type StorageArrayOf,
} from './dtype.js';
import { accountStorageAllocated, accountStorageReleased } from './memory.js';

/**
 * Arrays of released storages, by dtype and length, handed (zero-filled again) to the next
 * storage of that dtype and length. A fresh large typed array costs a zeroing calloc, page faults
 * on first write and garbage-collector work; an inference forward allocates the same output
 * sizes layer after layer, so reuse saves all three. Only arrays a Storage allocated itself enter
 * (an array the caller passed in may still be in use elsewhere), only from POOL_MIN_BYTES up, and
 * at most `poolLimitBytes` in all; when full, the least recently used sizes leave first.
 */
const pool = new Map<string, StorageArray[]>();
const POOL_MIN_BYTES = 64 * 1024;
let poolLimitBytes = 256 * 2 ** 20;
let pooledBytes = 0;

/**
 * Caps the bytes the storage pool may hold (0 disables it and frees what it holds); returns the
 * previous cap.
 */
export function setStoragePoolLimit(bytes: number): number {
  if (!(bytes >= 0)) {
    throw new FrugalError('E_ARG', `storage pool limit must be a number of bytes >= 0, got ${bytes}`, {
      op: 'setStoragePoolLimit',
    });
  }
  const previous = poolLimitBytes;
  poolLimitBytes = bytes;
  if (pooledBytes > bytes) {
    pool.clear();
    pooledBytes = 0;
  }
  return previous;
}

const poolKey = (dtype: DType, length: number) => `${dtype}:${length}`;

// Map order is recency: a key moves to the end whenever an array of that size is taken or given.
function touch(key: string, list: StorageArray[]): void {
  pool.delete(key);
  pool.set(key, list);
}

function takeArray<D extends DType>(dtype: D, length: number, zeroed: boolean): StorageArrayOf[D] {
  if (length * BYTES_PER_ELEMENT[dtype] >= POOL_MIN_BYTES) {
    const key = poolKey(dtype, length);
    const list = pool.get(key);
    const reused = list?.pop() as StorageArrayOf[D] | undefined;
    if (list && reused) {
      pooledBytes -= reused.byteLength;
      touch(key, list);
      if (zeroed) reused.fill(0);
      return reused;
    }
  }
  return allocateStorageArray(dtype, length);
}

function giveBack(dtype: DType, array: StorageArray): void {
  if (array.byteLength < POOL_MIN_BYTES || array.byteLength > poolLimitBytes) return;
  // A full pool drops the sizes used least recently: the f32 weights a quantized model released
  // once must not keep out the activations that every forward allocates again.
  for (const [key, list] of pool) {
    if (pooledBytes + array.byteLength <= poolLimitBytes) break;
    while (list.length > 0 && pooledBytes + array.byteLength > poolLimitBytes) {
      pooledBytes -= list.pop()!.byteLength;
    }
    if (list.length === 0) pool.delete(key);
  }
  const key = poolKey(dtype, array.length);
  const list = pool.get(key) ?? [];
  list.push(array);
  touch(key, list);
  pooledBytes += array.byteLength;
}

/**
 * A flat buffer of elements shared by a tensor and its views. It counts the tensor handles that
 * refer to it and leaves the memory account when the last one is disposed.
 */
export class Storage<D extends DType = DType> {
  readonly dtype: D;
  readonly length: number;
  readonly byteLength: number;
  private array: StorageArrayOf[D] | undefined;
  private refs = 0;
  /** Whether the array was allocated here (and may go to the pool on release). */
  private readonly owned: boolean;

  /**
   * A length allocates zeros, or with `zeroed: false` an array whose contents are unspecified (a
   * reused pool array keeps what it held): only for outputs that a kernel overwrites entirely.
   */
  constructor(dtype: D, arrayOrLength: StorageArrayOf[D] | number, opts: { zeroed?: boolean } = {}) {
    this.dtype = dtype;
    this.owned = typeof arrayOrLength === 'number';
    this.array =
      typeof arrayOrLength === 'number'
        ? takeArray(dtype, arrayOrLength, opts.zeroed ?? true)
        : arrayOrLength;
    this.length = this.array.length;
    this.byteLength = this.length * BYTES_PER_ELEMENT[dtype];
    accountStorageAllocated(this.byteLength);
  }

  get data(): StorageArrayOf[D] {
    if (this.array === undefined) {
      throw new FrugalError('E_DISPOSED', 'storage was already released', {
        hint: 'a tensor (or one of its views) was used after dispose(); keep it out of tidy() or call keep()',
      });
    }
    return this.array;
  }

  get released(): boolean {
    return this.array === undefined;
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (this.array === undefined) return;
    if (--this.refs <= 0) {
      if (this.owned) giveBack(this.dtype, this.array);
      this.array = undefined;
      accountStorageReleased(this.byteLength);
    }
  }
}
