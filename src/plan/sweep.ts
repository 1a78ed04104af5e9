/**
 * Sweeps in the manner of the paper's figures: hourly cost of the Mélange mix beside every single
 * GPU type, against the request rate (one profile) and against the TPOT SLO (one model-derived
 * profile per SLO value, so it needs the catalog's perf specs).
 */
import { writeLinePlotSvg } from '../core/plot.js';
import { type ModelProfileOptions, profileFromModel } from './model-profile.js';
import { type PlanOptions, planAllocation } from './planner.js';
import type { Catalog, Profile, Workload } from './schema.js';

export interface SweepRow {
  [key: string]: string | number;
  x: number;
  allocation: string;
  costPerHour: number;
}

export const MELANGE = 'Mélange';

export async function sweepRates(
  workload: Workload,
  catalog: Catalog,
  profile: Profile,
  rates: readonly number[],
  opts: PlanOptions = {},
): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const rate of rates)
    rows.push(...(await costRows({ ...workload, rate }, catalog, profile, rate, opts)));
  return rows;
}

export async function sweepTpot(
  workload: Workload,
  catalog: Catalog,
  tpotMs: readonly number[],
  opts: PlanOptions & ModelProfileOptions = {},
): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const t of tpotMs) {
    const slo = { ...workload.slo, tpotMs: t };
    const profile = await profileFromModel(catalog, workload, slo, opts);
    rows.push(...(await costRows({ ...workload, slo }, catalog, profile, t, opts)));
  }
  return rows;
}

async function costRows(
  workload: Workload,
  catalog: Catalog,
  profile: Profile,
  x: number,
  opts: PlanOptions,
): Promise<SweepRow[]> {
  const plan = await planAllocation(workload, catalog, profile, opts);
  const rows: SweepRow[] = [{ x, allocation: MELANGE, costPerHour: plan.costPerHour }];
  for (const s of plan.singleType)
    if (s.costPerHour !== null) rows.push({ x, allocation: `${s.name} only`, costPerHour: s.costPerHour });
  return rows;
}

export async function writeSweepPlot(path: string, rows: readonly SweepRow[], title: string, xTitle: string) {
  await writeLinePlotSvg(path, {
    title,
    x: { field: 'x', title: xTitle },
    y: { field: 'costPerHour', title: 'cost ($/hour)' },
    series: 'allocation',
    rows,
  });
}
