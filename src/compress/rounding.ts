/**
 * The rounding every Frugal quantizer uses: f32 arithmetic (Math.fround after each op, so the
 * values equal what the native kernels compute in single precision) and round half to even (what
 * vcvtps2dq and nearbyint do in the default rounding mode).
 */

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Symmetric integer range of a signed b-bit code: [-qmax, qmax] (INT8: 127, INT4: 7). */
export function qmaxOf(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/**
 * Quantizes values[start, end) with one symmetric scale into out[start, end); returns the scale
 * (max|x| / qmax; 0 for an all-zero span, whose codes are all 0).
 */
export function quantizeSpan(
  values: Float32Array,
  start: number,
  end: number,
  qmax: number,
  out: Int8Array,
): number {
  let absmax = 0;
  for (let i = start; i < end; i++) absmax = Math.max(absmax, Math.abs(values[i]!));
  const inv = absmax > 0 ? Math.fround(qmax / absmax) : 0;
  for (let i = start; i < end; i++) {
    const q = roundHalfEven(Math.fround(values[i]! * inv));
    out[i] = Math.min(qmax, Math.max(-qmax, q));
  }
  return Math.fround(absmax / qmax);
}
