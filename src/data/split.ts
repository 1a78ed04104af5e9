import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

export interface SplitOptions {
  /** Seed for the shuffle; the same seed and items give the same split. */
  seed?: number;
  /** Fractions for validation and test; train gets the rest. Defaults 0.1 and 0.1. */
  validation?: number;
  test?: number;
}

export interface Split<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/** Seeded shuffle, then cut into disjoint train / validation / test parts. */
export function splitItems<T>(items: readonly T[], opts: SplitOptions = {}): Split<T> {
  const validation = opts.validation ?? 0.1;
  const test = opts.test ?? 0.1;
  for (const [field, f] of [
    ['validation', validation],
    ['test', test],
  ] as const) {
    if (!(f >= 0 && f < 1))
      throw new FrugalError('E_ARG', `split fraction ${f} must be in [0, 1)`, { op: 'splitItems', field });
  }
  if (validation + test >= 1)
    throw new FrugalError('E_ARG', `validation + test = ${validation + test} leaves nothing to train on`, {
      op: 'splitItems',
      field: 'validation',
      hint: 'keep validation + test below 1',
    });
  const order = new Rng(opts.seed ?? 0).shuffle([...items]);
  const nVal = Math.round(order.length * validation);
  const nTest = Math.round(order.length * test);
  return {
    validation: order.slice(0, nVal),
    test: order.slice(nVal, nVal + nTest),
    train: order.slice(nVal + nTest),
  };
}
