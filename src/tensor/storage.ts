import { FrugalError } from '../core/errors.js';
import { allocateStorageArray, BYTES_PER_ELEMENT, type DType, type StorageArrayOf } from './dtype.js';
import { accountStorageAllocated, accountStorageReleased } from './memory.js';

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

  constructor(dtype: D, arrayOrLength: StorageArrayOf[D] | number) {
    this.dtype = dtype;
    this.array =
      typeof arrayOrLength === 'number' ? allocateStorageArray(dtype, arrayOrLength) : arrayOrLength;
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
      this.array = undefined;
      accountStorageReleased(this.byteLength);
    }
  }
}
