/** Human-readable output: tables for plans and simulation reports, compact YAML for profiles. */
import { Document, isSeq, visit } from 'yaml';
import type { Plan } from './planner.js';
import type { SimReport } from './simulate.js';

export function formatTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const money = (v: number): string => `$${v.toFixed(2)}`;

export function formatPlan(plan: Plan, opts: { slices?: boolean } = {}): string {
  const out: string[] = [];
  out.push(
    `Mélange plan for "${plan.workload}": ${plan.rate} req/s, SLO ${plan.slo}, slice factor ${plan.sliceFactor}, headroom ${plan.headroom}`,
    '',
    formatTable(
      ['gpu', 'count', '$/h each', '$/h', 'load (GPUs)', 'utilization'],
      plan.gpus.map((g) => [
        g.name,
        String(g.count),
        money(g.pricePerHour),
        money(g.costPerHour),
        g.load.toFixed(3),
        g.count > 0 ? `${((100 * g.load) / g.count).toFixed(1)}%` : '-',
      ]),
    ),
    '',
    `total: ${money(plan.costPerHour)}/h (${plan.optimal ? 'optimal' : 'best found, NOT proven optimal: time limit'}; solved in ${plan.solveMs.toFixed(1)} ms)`,
    '',
    'single GPU type:',
    formatTable(
      ['gpu', 'count', '$/h'],
      plan.singleType.map((s) => [
        s.name,
        s.count === null ? 'cannot serve' : String(s.count),
        s.costPerHour === null ? '-' : money(s.costPerHour),
      ]),
    ),
  );
  out.push(
    plan.bestSingle && plan.savingPercent !== null
      ? `best single type: ${plan.bestSingle.count} x ${plan.bestSingle.name} at ${money(plan.bestSingle.costPerHour)}/h; Mélange saves ${plan.savingPercent.toFixed(1)}%`
      : 'no single GPU type can serve every bucket; only a mix can',
  );
  out.push(
    '',
    'bucket assignment (slices per GPU type):',
    formatTable(['bucket', 'req/s', 'slices'], sliceRows(plan)),
  );
  if (opts.slices) {
    out.push(
      '',
      formatTable(
        ['slice', 'bucket', 'req/s', 'gpu'],
        plan.slices.map((s, i) => [String(i), s.bucket, s.rate.toPrecision(4), s.gpu]),
      ),
    );
  }
  return out.join('\n');
}

function sliceRows(plan: Plan): string[][] {
  const byBucket = new Map<string, { rate: number; gpus: Map<string, number> }>();
  for (const s of plan.slices) {
    const e = byBucket.get(s.bucket) ?? { rate: 0, gpus: new Map<string, number>() };
    e.rate += s.rate;
    e.gpus.set(s.gpu, (e.gpus.get(s.gpu) ?? 0) + 1);
    byBucket.set(s.bucket, e);
  }
  return [...byBucket].map(([bucket, e]) => [
    bucket,
    e.rate.toPrecision(4),
    [...e.gpus].map(([g, n]) => `${g} x${n}`).join(', '),
  ]);
}

export function formatSimReport(r: SimReport, slo: string): string {
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'inf');
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  return [
    `simulation: ${r.requests} requests measured; SLO ${slo}: attainment ${pct(r.attainment)}, statistic ${r.met ? 'met' : 'NOT met'}; ${r.stable ? 'stable' : 'UNSTABLE (queue grows: p99 TTFT over the bound)'}${r.rejected ? `; ${r.rejected} requests too long for the KV cache` : ''}`,
    formatTable(
      ['latency (ms)', 'mean', 'p50', 'p90', 'p99'],
      (['ttftMs', 'tpotMs', 'queueMs'] as const).map((k) => [
        k.replace('Ms', ''),
        ms(r[k].mean),
        ms(r[k].p50),
        ms(r[k].p90),
        ms(r[k].p99),
      ]),
    ),
    formatTable(
      ['gpu', 'count', 'requests', 'busy', 'attainment', 'p99 TTFT (ms)'],
      r.types.map((t) =>
        t.count
          ? [
              t.name,
              String(t.count),
              String(t.requests),
              pct(t.utilization),
              pct(t.attainment),
              ms(t.ttftP99Ms),
            ]
          : [t.name, '0', '0', '-', '-', '-'],
      ),
    ),
  ].join('\n');
}

/** YAML with each innermost list (a bucket, a matrix row) on one line, so matrices read as tables. */
export function stringifyData(data: unknown, header?: string): string {
  const doc = new Document(data);
  visit(doc, {
    Seq(_, node) {
      if (!node.items.some((i) => isSeq(i))) node.flow = true;
    },
  });
  if (header) doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}
