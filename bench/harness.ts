/**
 * The benchmark harness: every benchmark emits rows; `--json` prints one JSON object per line
 * ({bench, case, impl, metric, value, unit}), otherwise a table grouped by case with ratios
 * against the first `frugal` row of each case and metric.
 */
import { performance } from 'node:perf_hooks';

export interface BenchRow {
  bench: string;
  case: string;
  impl: string;
  metric: string;
  value: number;
  unit: string;
}

export interface BenchContext {
  /** Command-line arguments after the benchmark name (flags other than --json). */
  readonly args: readonly string[];
  readonly json: boolean;
  /** Repetitions for medians; `--quick` lowers it. */
  readonly reps: number;
  readonly quick: boolean;
  emit(row: Omit<BenchRow, 'bench'>): void;
  /** Free-form note printed above the table (suppressed with --json). */
  note(text: string): void;
}

export type Benchmark = (ctx: BenchContext) => Promise<void>;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

/**
 * Times `fn` (after `warmup` untimed calls) `reps` times, each timing covering enough inner
 * iterations to last at least `minMs`; returns the median seconds per call.
 */
export async function timeMedian(
  fn: () => unknown | Promise<unknown>,
  opts: { reps?: number; warmup?: number; minMs?: number } = {},
): Promise<number> {
  const { reps = 5, warmup = 1, minMs = 50 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    const dt = performance.now() - t0;
    if (dt >= minMs || inner >= 1 << 20) break;
    inner = Math.max(inner * 2, Math.ceil((inner * minMs) / Math.max(dt, 0.01)));
  }
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  return median(samples);
}

export function formatTable(rows: readonly BenchRow[]): string {
  const lines: string[] = [];
  const byCase = new Map<string, BenchRow[]>();
  for (const r of rows) {
    const k = `${r.case}\u0000${r.metric}`;
    if (!byCase.has(k)) byCase.set(k, []);
    byCase.get(k)!.push(r);
  }
  const head = ['case', 'metric', 'impl', 'value', 'unit', 'vs frugal'];
  const body: string[][] = [];
  for (const group of byCase.values()) {
    const base = group.find((r) => r.impl === 'frugal') ?? group[0]!;
    for (const r of group) {
      const ratio = r === base || base.value === 0 ? '' : `${(base.value / r.value).toFixed(2)}x`;
      body.push([r.case, r.metric, r.impl, formatValue(r.value), r.unit, ratio]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  lines.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) lines.push(fmt(b));
  return lines.join('\n');
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(1);
  if (Math.abs(v) >= 1) return v.toFixed(3);
  return v.toPrecision(3);
}
