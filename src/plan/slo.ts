/** Latency statistics of served requests and whether they meet an SLO. */
import type { Slo, SloStatistic } from './schema.js';

export interface LatencyStats {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** Per-request latencies in milliseconds; Infinity marks a request that was never served. */
export interface RequestLatency {
  ttftMs: number;
  tpotMs: number;
  /** Wait from arrival to admission into the running batch. */
  queueMs: number;
}

export interface SloReport {
  requests: number;
  /** Fraction of requests that individually meet every SLO target. */
  attainment: number;
  /** Whether the SLO statistic (mean or percentile) meets every target. */
  met: boolean;
  ttftMs: LatencyStats;
  tpotMs: LatencyStats;
  queueMs: LatencyStats;
}

export function summarize(values: readonly number[]): LatencyStats {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) =>
    s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const mean = s.length === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / s.length;
  return { mean, p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99) };
}

export const pick = (stats: LatencyStats, statistic: SloStatistic): number => stats[statistic];

export function evaluateSlo(latencies: readonly RequestLatency[], slo: Slo): SloReport {
  const ttftMs = summarize(latencies.map((l) => l.ttftMs));
  const tpotMs = summarize(latencies.map((l) => l.tpotMs));
  const queueMs = summarize(latencies.map((l) => l.queueMs));
  const ok = (l: RequestLatency) =>
    (slo.ttftMs === undefined || l.ttftMs <= slo.ttftMs) &&
    (slo.tpotMs === undefined || l.tpotMs <= slo.tpotMs);
  const good = latencies.filter(ok).length;
  const met =
    latencies.length > 0 &&
    (slo.ttftMs === undefined || pick(ttftMs, slo.statistic) <= slo.ttftMs) &&
    (slo.tpotMs === undefined || pick(tpotMs, slo.statistic) <= slo.tpotMs);
  return {
    requests: latencies.length,
    attainment: latencies.length ? good / latencies.length : 0,
    met,
    ttftMs,
    tpotMs,
    queueMs,
  };
}
