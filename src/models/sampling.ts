/** Next-token choice from a logits row: greedy, or seeded sampling with temperature, top-k and top-p. */
import { FrugalError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 (the default) is greedy decoding. */
  temperature?: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  /** Sample only among the most likely tokens whose probabilities sum to at least p. */
  topP?: number;
  /** Seed of the sampler (default 0): the same seed gives the same tokens. */
  seed?: number;
  /** Stop after emitting this token (it is included in the output). */
  eosId?: number;
  onToken?: (id: number) => void;
}

export function checkGenerateOptions(op: string, opts: GenerateOptions): void {
  const bad = (field: string, want: string, got: unknown) =>
    new FrugalError('E_ARG', `${field} must be ${want}, got ${String(got)}`, { op, field });
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) {
    throw bad('maxNewTokens', 'a non-negative integer', opts.maxNewTokens);
  }
  const t = opts.temperature ?? 0;
  if (!(t >= 0) || !Number.isFinite(t)) throw bad('temperature', 'a finite number >= 0', opts.temperature);
  if (opts.topK !== undefined && (!Number.isInteger(opts.topK) || opts.topK < 1)) {
    throw bad('topK', 'a positive integer', opts.topK);
  }
  if (opts.topP !== undefined && !(opts.topP > 0 && opts.topP <= 1)) {
    throw bad('topP', 'in (0, 1]', opts.topP);
  }
}

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** The next token id for one row of logits. */
export function sampleNext(logits: Float32Array, opts: GenerateOptions, rng: Rng): number {
  const temperature = opts.temperature ?? 0;
  if (temperature === 0 || opts.topK === 1) return argmax(logits);
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const kept = order.slice(0, Math.min(opts.topK ?? order.length, order.length));
  const top = logits[kept[0]!]!;
  const weights = kept.map((i) => Math.exp((logits[i]! - top) / temperature));
  let total = weights.reduce((s, w) => s + w, 0);
  if (opts.topP !== undefined) {
    let cum = 0;
    let n = 0;
    while (n < weights.length && cum < opts.topP * total) cum += weights[n++]!;
    weights.length = n;
    total = cum;
  }
  let u = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return kept[i]!;
  }
  return kept[weights.length - 1]!;
}
