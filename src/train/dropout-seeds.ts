import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { mixSeed } from './data-order.js';

function* modules(m: Module): Generator<Module> {
  yield m;
  for (const c of m.children()) yield* modules(c);
}

/**
 * Reseeds every Dropout below `model` from (seed, step, micro, its position), so the masks of a
 * step do not depend on how many steps ran before it in this process: a resumed run draws the
 * same masks as an uninterrupted one.
 */
export function reseedDropout(model: Module, seed: number, step: number, micro: number): void {
  let i = 0;
  for (const m of modules(model)) if (m instanceof Dropout) m.reseed(mixSeed(seed, step, micro, i++));
}
