/**
 * Mélange's cost-aware bin-packing ILP, solved with HiGHS (WebAssembly).
 *
 * Items are workload slices: bucket b's rate lambda_b is cut into `sliceFactor` equal slices.
 * Bins are GPUs. Variables: x[s][t] binary (slice s served by GPU type t), n[t] integer (GPUs of t).
 *   minimize   sum_t price_t * n_t
 *   subject to sum_t x[s][t] = 1                              for every slice s
 *              sum_s (rate_s / cap[t][b(s)]) * x[s][t] <= n_t  for every type t
 *              n_t <= available_t                             where the catalog limits it
 * Pairs with cap[t][b] = 0 get no variable at all, so nothing divides by zero.
 */
import highsModule, { type Highs } from 'highs';
import { FrugalError } from '../core/errors.js';

export interface IlpInput {
  types: readonly { name: string; pricePerHour: number; available?: number | undefined }[];
  /** Per slice: its bucket index and its rate (req/s). */
  slices: readonly { bucket: number; rate: number }[];
  /** capacity[t][b]: highest rate one GPU of type t sustains on bucket b; 0 = cannot serve. */
  capacity: readonly (readonly number[])[];
  /** Names buckets in error messages. */
  bucketLabel: (b: number) => string;
  timeLimitS?: number;
  /**
   * 'binary' is the paper's form, one binary per (slice, type); 'grouped' (the default) merges a
   * bucket's identical slices into one integer per type, the same optimum with far less symmetry.
   */
  formulation?: IlpFormulation;
}

export const ILP_FORMULATIONS = ['grouped', 'binary'] as const;
export type IlpFormulation = (typeof ILP_FORMULATIONS)[number];

export interface IlpSolution {
  counts: number[];
  /** Type index chosen for each slice. */
  assignment: number[];
  cost: number;
  status: string;
  /** False when the time limit stopped HiGHS before it proved the plan cheapest. */
  optimal: boolean;
}

// highs ships CommonJS typings beside an ESM build: depending on the resolver the loader is the
// default export itself or sits on its `default` property.
type HighsLoader = () => Promise<Highs>;
const moduleLike = highsModule as unknown as HighsLoader | { default: HighsLoader };
const loadHighs: HighsLoader = typeof moduleLike === 'function' ? moduleLike : moduleLike.default;
let highsPromise: Promise<Highs> | undefined;
/** Loads (once) and returns the HiGHS WebAssembly module. */
export const loadSolver = (): Promise<Highs> => {
  highsPromise ??= loadHighs();
  return highsPromise;
};

const num = (v: number): string => Number(v.toPrecision(12)).toString();

/** Interchangeable slices of one bucket, solved as one variable per type in the grouped form. */
interface Group {
  bucket: number;
  rate: number;
  first: number;
  size: number;
}

function groupSlices(input: IlpInput): Group[] {
  const groups: Group[] = [];
  input.slices.forEach((s, i) => {
    const last = groups[groups.length - 1];
    if (
      (input.formulation ?? 'grouped') === 'grouped' &&
      last &&
      last.bucket === s.bucket &&
      last.rate === s.rate
    )
      last.size++;
    else groups.push({ bucket: s.bucket, rate: s.rate, first: i, size: 1 });
  });
  return groups;
}

export function buildLp(input: IlpInput, groups = groupSlices(input)): string {
  const { types, capacity } = input;
  const obj = types.map((t, j) => `${num(t.pricePerHour)} n${j}`).join(' + ');
  const rows: string[] = [];
  const bounds = types.map((t, j) =>
    t.available === undefined ? `n${j} >= 0` : `0 <= n${j} <= ${t.available}`,
  );
  const generals = types.map((_, j) => `n${j}`);
  const binaries: string[] = [];
  const load: string[][] = types.map(() => []);
  groups.forEach((g, i) => {
    const choices: string[] = [];
    types.forEach((_, j) => {
      const cap = capacity[j]![g.bucket]!;
      if (!(cap > 0)) return;
      const v = `x${i}_${j}`;
      choices.push(v);
      if (g.size === 1) binaries.push(v);
      else {
        generals.push(v);
        bounds.push(`0 <= ${v} <= ${g.size}`);
      }
      load[j]!.push(`${num(g.rate / cap)} ${v}`);
    });
    if (choices.length === 0)
      throw new FrugalError('E_INFEASIBLE', `no GPU type can serve bucket ${input.bucketLabel(g.bucket)}`, {
        op: 'plan',
        field: `profile.rates.*.${g.bucket}`,
        hint: 'add a GPU type that serves this bucket, relax the SLO, or give the bucket weight 0',
      });
    rows.push(`a${i}: ${choices.join(' + ')} = ${g.size}`);
  });
  types.forEach((_, j) => {
    if (load[j]!.length > 0) rows.push(`c${j}: ${load[j]!.join(' + ')} - n${j} <= 0`);
  });
  return [
    'Minimize',
    ` cost: ${obj}`,
    'Subject To',
    ...rows.map((r) => ` ${r}`),
    'Bounds',
    ...bounds.map((b) => ` ${b}`),
    'Generals',
    ` ${generals.join(' ')}`,
    ...(binaries.length > 0 ? ['Binaries', ` ${binaries.join(' ')}`] : []),
    'End',
  ].join('\n');
}

export async function solveIlp(input: IlpInput): Promise<IlpSolution> {
  const groups = groupSlices(input);
  const lp = buildLp(input, groups);
  const highs = await loadSolver();
  const res = highs.solve(lp, {
    output_flag: false,
    mip_rel_gap: 1e-4,
    // Near-ties between GPU mixes make proving optimality the slow part; finding good incumbents
    // early (more primal heuristics than HiGHS's default 0.05) cut solve times 2-8x in our bench.
    mip_heuristic_effort: 0.3,
    time_limit: input.timeLimitS ?? 60,
  });
  // On the time limit HiGHS still returns its best allocation, which is a valid (not proven
  // cheapest) plan; only a run that found none is an error.
  const timedOut =
    res.Status === 'Time limit reached' && Number.isFinite(res.ObjectiveValue) && 'n0' in res.Columns;
  if (res.Status !== 'Optimal' && !timedOut) {
    const limited = input.types.some((t) => t.available !== undefined);
    throw new FrugalError('E_INFEASIBLE', `the allocation ILP ended with status "${res.Status}"`, {
      op: 'plan',
      ...(limited ? { field: 'catalog.gpus.*.available' } : {}),
      hint: limited
        ? 'the availability limits cannot carry the request rate; raise them or lower the rate'
        : 'raise the time limit or lower the slice factor',
    });
  }
  const col = (name: string): number => Math.round(res.Columns[name]?.Primal ?? 0);
  const counts = input.types.map((_, j) => col(`n${j}`));
  const assignment: number[] = new Array(input.slices.length).fill(-1);
  groups.forEach((g, i) => {
    let next = g.first;
    input.types.forEach((_, j) => {
      for (let k = col(`x${i}_${j}`); k > 0 && next < g.first + g.size; k--) assignment[next++] = j;
    });
  });
  const cost = counts.reduce((a, n, j) => a + n * input.types[j]!.pricePerHour, 0);
  return { counts, assignment, cost, status: res.Status, optimal: res.Status === 'Optimal' };
}
