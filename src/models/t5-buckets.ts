/**
 * T5 relative position buckets (as in Hugging Face's _relative_position_bucket): small distances
 * get a bucket each, larger ones share logarithmically wider buckets up to maxDistance. Encoders
 * are bidirectional (half the buckets for keys after the query); decoders see only the past.
 */
import { Tensor } from '../tensor/tensor.js';

export function relativeBucket(
  relative: number,
  bidirectional: boolean,
  numBuckets: number,
  maxDistance: number,
): number {
  let buckets = numBuckets;
  let ret = 0;
  let n: number;
  if (bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (relative > 0) ret += buckets;
    n = Math.abs(relative);
  } else n = Math.max(-relative, 0);
  const maxExact = Math.floor(buckets / 2);
  if (n < maxExact) return ret + n;
  const large =
    maxExact + Math.trunc((Math.log(n / maxExact) / Math.log(maxDistance / maxExact)) * (buckets - maxExact));
  return ret + Math.min(large, buckets - 1);
}

/** i32 [T, S] buckets of key j relative to query offset+i. */
export function bucketTable(
  t: number,
  s: number,
  offset: number,
  bidirectional: boolean,
  numBuckets: number,
  maxDistance: number,
): Tensor {
  const out = Tensor.empty('i32', [t, s], 't5Buckets');
  const d = out.data as Int32Array;
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < s; j++)
      d[i * s + j] = relativeBucket(j - (offset + i), bidirectional, numBuckets, maxDistance);
  }
  return out;
}
