/** Seeded parameter initialization: the same seed gives the same weights everywhere. */
import { Rng } from '../core/rng.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Options every module with parameters accepts: a shared generator or a seed for its own. */
export interface InitOptions {
  rng?: Rng;
  seed?: number;
}

export function resolveRng(opts: InitOptions): Rng {
  return opts.rng ?? new Rng(opts.seed ?? 0);
}

export function uniformTensor(shape: Shape, bound: number, rng: Rng): Tensor {
  const t = Tensor.empty('f32', shape, 'init');
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = (2 * rng.uniform() - 1) * bound;
  return t;
}

export function normalTensor(shape: Shape, std: number, rng: Rng): Tensor {
  const t = Tensor.empty('f32', shape, 'init');
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
  return t;
}

export function constantTensor(shape: Shape, value: number): Tensor {
  const t = Tensor.empty('f32', shape, 'init');
  t.data.fill(value);
  return t;
}
