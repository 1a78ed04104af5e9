/**
 * Reading and validating planner inputs: JSON or YAML files (or already-parsed objects), checked
 * with zod and then against each other. Every failure is a FrugalError naming the field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { FrugalError } from '../core/errors.js';
import {
  type Catalog,
  catalogSchema,
  type Profile,
  profileSchema,
  type Slo,
  type Workload,
  workloadSchema,
} from './schema.js';

/** Validates `data` against `schema`; the first issue becomes a FrugalError with its path. */
export function validate<S extends z.ZodType>(
  schema: S,
  data: unknown,
  what: string,
  file?: string,
): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = [what, ...issue.path.map(String)].join('.');
  throw new FrugalError('E_CONFIG', `invalid ${what}: ${issue.message}`, {
    field,
    ...(file ? { file } : {}),
    hint: `fix ${field} (see examples/plan/ for valid ${what} files)`,
  });
}

/** Reads a JSON or YAML file (YAML is a superset of JSON, so one parser serves both). */
export function readDataFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FrugalError('E_IO', `cannot read ${path}`, { file: path, cause: e });
  }
  try {
    return parseYaml(text);
  } catch (e) {
    throw new FrugalError('E_CONFIG', `not valid JSON or YAML: ${(e as Error).message}`, {
      file: path,
      cause: e,
    });
  }
}

export function parseWorkload(data: unknown, file?: string): Workload {
  const w = validate(workloadSchema, data, 'workload', file);
  checkMatrix(w.distribution, w.inputBuckets.length, w.outputBuckets.length, 'workload.distribution', file);
  if (w.distribution.flat().every((v) => v === 0))
    throw new FrugalError('E_CONFIG', 'the request distribution is all zeros', {
      field: 'workload.distribution',
      ...(file ? { file } : {}),
      hint: 'give at least one bucket a positive weight',
    });
  return w;
}

export function parseCatalog(data: unknown, file?: string): Catalog {
  const c = validate(catalogSchema, data, 'catalog', file);
  const seen = new Set<string>();
  c.gpus.forEach((g, i) => {
    if (seen.has(g.name))
      throw new FrugalError('E_CONFIG', `GPU type "${g.name}" is listed twice`, {
        field: `catalog.gpus.${i}.name`,
        ...(file ? { file } : {}),
      });
    seen.add(g.name);
  });
  return c;
}

export function parseProfile(data: unknown, file?: string): Profile {
  const p = validate(profileSchema, data, 'profile', file);
  for (const [gpu, m] of Object.entries(p.rates))
    checkMatrix(m, p.inputBuckets.length, p.outputBuckets.length, `profile.rates.${gpu}`, file);
  return p;
}

export const loadWorkload = (path: string): Workload => parseWorkload(readDataFile(path), path);
export const loadCatalog = (path: string): Catalog => parseCatalog(readDataFile(path), path);
export const loadProfile = (path: string): Profile => parseProfile(readDataFile(path), path);

/** Checks that the three inputs describe the same buckets, SLO and GPU types. */
export function checkCompatible(workload: Workload, catalog: Catalog, profile: Profile): void {
  for (const axis of ['inputBuckets', 'outputBuckets'] as const) {
    if (JSON.stringify(workload[axis]) !== JSON.stringify(profile[axis]))
      throw new FrugalError('E_CONFIG', `the workload and the profile use different ${axis}`, {
        field: `profile.${axis}`,
        hint: 'profile the GPUs on the same bucket grid as the workload',
      });
  }
  if (!sameSlo(workload.slo, profile.slo))
    throw new FrugalError(
      'E_CONFIG',
      `the profile was measured under SLO ${describeSlo(profile.slo)}, the workload asks for ${describeSlo(workload.slo)}`,
      { field: 'profile.slo', hint: 'profile the GPUs under the workload SLO (frugal plan profile)' },
    );
  catalog.gpus.forEach((g, i) => {
    if (!(g.name in profile.rates))
      throw new FrugalError('E_CONFIG', `GPU type "${g.name}" has no profile`, {
        field: `profile.rates.${g.name}`,
        hint: `add its rates or remove catalog.gpus.${i}`,
      });
  });
}

export function sameSlo(a: Slo, b: Slo): boolean {
  return a.tpotMs === b.tpotMs && a.ttftMs === b.ttftMs && a.statistic === b.statistic;
}

export function describeSlo(s: Slo): string {
  const parts: string[] = [];
  if (s.tpotMs !== undefined) parts.push(`TPOT <= ${s.tpotMs} ms`);
  if (s.ttftMs !== undefined) parts.push(`TTFT <= ${s.ttftMs} ms`);
  return `${s.statistic} ${parts.join(' and ')}`;
}

function checkMatrix(
  m: readonly (readonly number[])[],
  rows: number,
  cols: number,
  field: string,
  file?: string,
) {
  const bad = m.length !== rows ? -1 : m.findIndex((r) => r.length !== cols);
  if (m.length === rows && bad < 0) return;
  throw new FrugalError('E_CONFIG', `expected a ${rows} x ${cols} matrix (input buckets x output buckets)`, {
    field: bad >= 0 ? `${field}.${bad}` : field,
    shapes: [[m.length, m[0]?.length ?? 0]],
    ...(file ? { file } : {}),
  });
}
