/**
 * NxMiFormer's heuristic search, second half: a heterogeneous (N:M, bits) per component that meets
 * the compression ratio the user asks for, guided by the sensitivity table.
 *
 * Greedy, deterministic: every component starts at its largest candidate (fewest bytes saved).
 * While the ratio is below the target, among all moves of one component to a candidate with fewer
 * bytes, take the one with the lowest  max(0, Δloss(new) − Δloss(current)) / bytes saved  (ties:
 * more bytes saved, then component order, then candidate order). The ratio is fp32 bytes over
 * compressed bytes of the targeted Linear weights, metadata included unless `countMetadata` is false
 * (nxm-spec.ts says exactly what is counted).
 */
import { FrugalError } from '../core/errors.js';
import { type NxmBytes, type NxmRatio, type NxmSpec, nxmBytes, nxmRatio, specName } from './nxm-spec.js';
import type { SensitivityTable, TargetLayer } from './sensitivity.js';

export interface SearchOptions {
  targets: readonly TargetLayer[];
  candidates: readonly NxmSpec[];
  sensitivity: SensitivityTable;
  ratio: number;
  /** Components whose spec is given (config `modules`): counted in the ratio, never moved. */
  fixed?: ReadonlyMap<string, NxmSpec>;
  /** Count the N:M position metadata in the ratio (default true). */
  countMetadata?: boolean;
}

export interface SearchResult {
  assignment: Map<string, NxmSpec>;
  ratio: NxmRatio;
  /** Sum over components of the one-shot loss increase of the chosen candidate (the search's cost). */
  predictedDelta: number;
  /** The moves in the order taken, for the report. */
  moves: { path: string; from: string; to: string; costPerByte: number }[];
}

export function searchAssignment(o: SearchOptions): SearchResult {
  const op = 'nxm search';
  if (!(o.ratio > 1) || !Number.isFinite(o.ratio)) {
    throw new FrugalError('E_CONFIG', `the target ratio must be a number > 1, got ${o.ratio}`, {
      op,
      field: 'ratio',
    });
  }
  if (o.candidates.length === 0) {
    throw new FrugalError('E_CONFIG', 'no candidate N:M/bits specs to choose from', {
      op,
      field: 'candidates',
      hint: 'list at least one, e.g. ["2:4/int8", "2:4/int4"]',
    });
  }
  const withMeta = o.countMetadata ?? true;
  const delta = new Map(o.sensitivity.rows.map((r) => [`${r.path}|${r.spec}`, r.delta]));
  const options = o.targets.map((t) => {
    const f = o.fixed?.get(t.path);
    return f ? [f] : o.candidates;
  });
  const deltaOf = (t: number, c: number): number => {
    if (options[t]!.length === 1) return 0;
    const { path } = o.targets[t]!;
    const d = delta.get(`${path}|${specName(options[t]![c]!)}`);
    if (d === undefined) {
      throw new FrugalError('E_NOT_FOUND', `no sensitivity for ${path} at ${specName(options[t]![c]!)}`, {
        op,
        field: 'sensitivity',
        hint: 'measure the sensitivity with the same targets and candidates',
      });
    }
    return d;
  };
  const cost = (b: NxmBytes): number => b.values + b.scales + (withMeta ? b.metadata : 0);
  const bytes = o.targets.map((t, i) => options[i]!.map((c) => nxmBytes(t.outFeatures, t.inFeatures, c)));
  const current = bytes.map((row) => row.reduce((best, b, c) => (cost(b) > cost(row[best]!) ? c : best), 0));
  const ratioNow = (): NxmRatio => nxmRatio(current.map((c, t) => bytes[t]![c]!));
  const reached = (): boolean => {
    const r = ratioNow();
    return (withMeta ? r.withMetadata : r.withoutMetadata) >= o.ratio;
  };
  const moves: SearchResult['moves'] = [];
  while (!reached()) {
    let best: { t: number; c: number; score: number; saved: number } | undefined;
    o.targets.forEach((_, t) => {
      const from = current[t]!;
      for (let c = 0; c < options[t]!.length; c++) {
        const saved = cost(bytes[t]![from]!) - cost(bytes[t]![c]!);
        if (saved <= 0) continue;
        const score = Math.max(0, deltaOf(t, c) - deltaOf(t, from)) / saved;
        if (!best || score < best.score || (score === best.score && saved > best.saved)) {
          best = { t, c, score, saved };
        }
      }
    });
    if (!best) {
      const r = ratioNow();
      throw new FrugalError(
        'E_INFEASIBLE',
        `ratio ${o.ratio} is out of reach: the most compressed candidates give ${(withMeta ? r.withMetadata : r.withoutMetadata).toFixed(2)}`,
        { op, field: 'ratio', hint: 'lower the ratio or add more aggressive candidates (e.g. "1:4/int4")' },
      );
    }
    const { t, c, score } = best;
    moves.push({
      path: o.targets[t]!.path,
      from: specName(options[t]![current[t]!]!),
      to: specName(options[t]![c]!),
      costPerByte: score,
    });
    current[t] = c;
  }
  return {
    assignment: new Map(o.targets.map((t, i) => [t.path, options[i]![current[i]!]!])),
    ratio: ratioNow(),
    predictedDelta: o.targets.reduce((s, _, i) => s + deltaOf(i, current[i]!), 0),
    moves,
  };
}
