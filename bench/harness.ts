/**
 * The benchmark harness: every benchmark emits rows; `--json` prints one JSON object per line
 * ({bench, case, impl, metric, value, unit}), otherwise a table grouped by case with ratios
 * against the first `frugal` row of each case and metric.
 */

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

export { median, percentile, timeMedian } from '../src/core/timing.js';

/**
 * An idle pause before a timed sample in a round robin: both Frugal's and onnxruntime's thread
 * pools spin for a while after a run, and a pool still spinning steals the cores from the next
 * implementation timed.
 */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

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
