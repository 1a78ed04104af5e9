/**
 * Per-vector symmetric int8 quantization: v ~= scale * c with c in [-127, 127]. Queries stay f32,
 * so distances are asymmetric: dot(q, v) ~= scale * dot(q, c); squared L2 uses a stored |v|^2.
 */
export interface Int8Rows {
  codes: Int8Array;
  scales: Float32Array;
  norms: Float32Array;
}

/** Quantizes rows [n, d] of `src` into `out` starting at row `at`. */
export function quantizeRowsInto(src: Float32Array, d: number, out: Int8Rows, at: number): void {
  const n = src.length / d;
  for (let r = 0; r < n; r++) {
    let max = 0;
    for (let i = 0; i < d; i++) max = Math.max(max, Math.abs(src[r * d + i]!));
    const scale = max > 0 ? max / 127 : 1;
    let norm = 0;
    const base = (at + r) * d;
    for (let i = 0; i < d; i++) {
      const c = Math.max(-127, Math.min(127, Math.round(src[r * d + i]! / scale)));
      out.codes[base + i] = c;
      norm += c * scale * (c * scale);
    }
    out.scales[at + r] = scale;
    out.norms[at + r] = norm;
  }
}

/** Row `row` of quantized storage as f32 (into `out`). */
export function dequantizeRow(q: Int8Rows, d: number, row: number, out: Float32Array): Float32Array {
  const s = q.scales[row]!;
  for (let i = 0; i < d; i++) out[i] = s * q.codes[row * d + i]!;
  return out;
}
