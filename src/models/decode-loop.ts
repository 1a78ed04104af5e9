/** The token-by-token loop shared by the decoder models' generate(). */
import { Rng } from '../core/rng.js';
import { type GenerateOptions, sampleNext } from './sampling.js';

/**
 * Feeds `first`, then each chosen token, to `step` (which returns the logits of the last fed
 * position, using its own cache) until maxNewTokens or eosId. Returns the new tokens.
 */
export function decodeLoop(
  first: readonly number[],
  opts: GenerateOptions,
  step: (tokens: readonly number[]) => Float32Array,
): number[] {
  const rng = new Rng(opts.seed ?? 0);
  const out: number[] = [];
  let feed = first;
  while (out.length < opts.maxNewTokens) {
    const id = sampleNext(step(feed), opts, rng);
    out.push(id);
    opts.onToken?.(id);
    if (id === opts.eosId) break;
    feed = [id];
  }
  return out;
}
