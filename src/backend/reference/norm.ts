import type { Kernel } from '../types.js';
import { outerOffsets, reader, writer } from './access.js';

/** Reads the optional per-feature vector (gamma or beta) into f64, or a constant. */
function featureVector(
  t: Parameters<Kernel<'layerNorm'>>[0]['gamma'],
  n: number,
  fallback: number,
): Float64Array {
  const v = new Float64Array(n).fill(fallback);
  if (!t) return v;
  const read = reader(t);
  for (let j = 0; j < n; j++) v[j] = read(t.offset + j * t.strides[0]!);
  return v;
}

/**
 * y = (x' - mean) / sqrt(var + eps) * gamma + beta over the last axis (population variance), where
 * x' = x, or x + residual rounded to x's dtype as a separate add would store it.
 */
export const layerNorm: Kernel<'layerNorm'> = ({ x, residual, gamma, beta, eps, out }) => {
  const n = x.shape[x.rank - 1]!;
  const xs = x.strides[x.rank - 1]!;
  const g = featureVector(gamma, n, 1);
  const b = featureVector(beta, n, 0);
  const read = reader(x);
  const write = writer(out);
  const bases = outerOffsets(x, [x.rank - 1]);
  const row = new Float64Array(n);
  const sum = residual ? (x.dtype === 'f32' ? Math.fround : (v: number) => v) : undefined;
  const readRes = residual ? reader(residual) : undefined;
  const resBases = residual ? outerOffsets(residual, [residual.rank - 1]) : undefined;
  const rs = residual ? residual.strides[residual.rank - 1]! : 0;
  for (let r = 0; r < bases.length; r++) {
    for (let j = 0; j < n; j++) {
      const v = read(bases[r]! + j * xs);
      row[j] = sum && readRes ? sum(v + readRes(resBases![r]! + j * rs)) : v;
    }
    let mean = 0;
    for (let j = 0; j < n; j++) mean += row[j]!;
    mean /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (row[j]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / n + eps);
    for (let j = 0; j < n; j++) write(out.offset + r * n + j, (row[j]! - mean) * inv * g[j]! + b[j]!);
  }
};

/** y = x / sqrt(mean(x^2) + eps) * gamma over the last axis. */
export const rmsNorm: Kernel<'rmsNorm'> = ({ x, gamma, eps, out }) => {
  const n = x.shape[x.rank - 1]!;
  const xs = x.strides[x.rank - 1]!;
  const g = featureVector(gamma, n, 1);
  const read = reader(x);
  const write = writer(out);
  const bases = outerOffsets(x, [x.rank - 1]);
  for (let r = 0; r < bases.length; r++) {
    let ss = 0;
    for (let j = 0; j < n; j++) ss += read(bases[r]! + j * xs) ** 2;
    const inv = 1 / Math.sqrt(ss / n + eps);
    for (let j = 0; j < n; j++) write(out.offset + r * n + j, read(bases[r]! + j * xs) * inv * g[j]!);
  }
};
