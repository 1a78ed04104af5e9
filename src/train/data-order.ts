import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** Mixes integers into one 32-bit seed (splitmix-style), so (seed, step, ...) map to independent streams. */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * The training data order: epoch e is a permutation of the rows seeded by (seed, e), and the batch
 * for step s is rows [s·B, (s+1)·B) of the concatenated epochs. A batch is therefore a pure function
 * of (seed, step), which is what lets a resumed run see exactly the batches an uninterrupted run sees.
 */
export class DataOrder {
  private epoch = -1;
  private perm: number[] = [];

  constructor(
    readonly rows: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(rows) || rows < 1)
      throw new FrugalError('E_ARG', `a data order needs at least one row, got ${rows}`, {
        op: 'DataOrder',
        field: 'rows',
        hint: 'the training split is empty: check the data source or the limit',
      });
  }

  /** Row indices of the batch for `step`. */
  batch(step: number, size: number): number[] {
    const out: number[] = [];
    for (let k = step * size; k < (step + 1) * size; k++) {
      const e = Math.floor(k / this.rows);
      if (e !== this.epoch) {
        this.perm = new Rng(mixSeed(this.seed, e)).shuffle(Array.from({ length: this.rows }, (_, i) => i));
        this.epoch = e;
      }
      out.push(this.perm[k % this.rows] as number);
    }
    return out;
  }
}
