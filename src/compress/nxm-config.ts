/**
 * The JSON configuration of `frugal compress --method nxm` (validated with zod; a bad or unknown
 * key is an E_CONFIG naming it). Every key is optional:
 *   {
 *     "ratio": 8,                      // search a per-component (N:M, bits) meeting this ratio
 *     "countMetadata": true,           // the ratio counts the N:M position metadata (nxm-spec.ts)
 *     "candidates": ["2:4/int8", "2:4/int4", "1:4/int8"],   // what the search may assign
 *     "modules": [{ "match": ["attn"], "sparsity": "2:4", "bits": 8 }],  // fixed specs (regexes)
 *     "exclude": ["blocks\\.0\\.attn\\.q"],                 // regexes: Linears kept f32
 *     "sensitivity": { "limit": 128 },  // validation e-mails / blocks per sensitivity measurement
 *     "admm": { "steps": 200, "lr": 1e-4, "rho": 1e-3, "rhoGrowth": 1.3, "every": 10 },
 *     "finetune": { "steps": 200, "lr": 5e-5 },
 *     "batch": 16, "seed": 0,
 *     "eval": { "limit": 605, "latencyBatch": 8 }
 *   }
 * Targets are the Linears inside attention and FFN blocks. A target matched by a `modules` entry
 * gets that entry's pattern and/or bits (first match wins for each; the other half defaults to
 * 2:4 / 8 bits) and is not searched. With `ratio` the remaining targets are searched; without it
 * they get the first candidate when `modules` is absent, and stay f32 when it is present (only
 * what the config names is compressed, as in DeepSpeed). Patterns are regular expressions searched
 * in the Frugal path ("blocks.0.attn.q") and in the Hugging Face name
 * ("bert.encoder.layer.0.attention.self.query"), so DeepSpeed module lists work unchanged.
 */
import { z } from 'zod';
import { FrugalError } from '../core/errors.js';
import { evalOptionsSchema, parseCompressConfig } from './config.js';
import { type NxmSpec, parseSpec } from './nxm-spec.js';

const positive = z.number().positive();
const steps = z.number().int().nonnegative();

const schema = z
  .object({
    ratio: z.number().gt(1).optional(),
    countMetadata: z.boolean().optional(),
    candidates: z.array(z.string()).min(1).optional(),
    modules: z
      .array(
        z
          .object({
            match: z.array(z.string()).min(1),
            sparsity: z
              .string()
              .regex(/^\d+:\d+$/)
              .optional(),
            bits: z.union([z.literal(8), z.literal(4)]).optional(),
          })
          .strict(),
      )
      .optional(),
    exclude: z.array(z.string()).optional(),
    sensitivity: z.object({ limit: z.number().int().positive().optional() }).strict().optional(),
    admm: z
      .object({
        steps: steps.optional(),
        lr: positive.optional(),
        rho: positive.optional(),
        rhoGrowth: positive.optional(),
        every: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    finetune: z.object({ steps: steps.optional(), lr: positive.optional() }).strict().optional(),
    batch: z.number().int().positive().optional(),
    seed: z.number().int().nonnegative().optional(),
    eval: evalOptionsSchema,
  })
  .strict();

export type NxmConfig = z.infer<typeof schema>;

export const DEFAULT_CANDIDATES = ['2:4/int8', '2:4/int4', '1:4/int8'] as const;

export function parseNxmConfig(value: unknown, source = 'config'): NxmConfig {
  const c = parseCompressConfig(
    schema,
    value,
    source,
    'nxm',
    'frugal compress --method nxm',
    'the keys are documented in src/compress/nxm-config.ts',
  );
  for (const [i, s] of (c.candidates ?? []).entries()) parseSpec(s, `candidates.${i}`);
  for (const [i, m] of (c.modules ?? []).entries()) {
    if (m.sparsity) parseSpec(`${m.sparsity}/int8`, `modules.${i}.sparsity`);
    for (const [j, p] of m.match.entries()) compilePattern(p, `modules.${i}.match.${j}`);
  }
  for (const [i, p] of (c.exclude ?? []).entries()) compilePattern(p, `exclude.${i}`);
  return c;
}

export function compilePattern(pattern: string, field: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new FrugalError('E_CONFIG', `"${pattern}" is not a valid regular expression`, {
      op: 'frugal compress --method nxm',
      field,
      cause: e,
    });
  }
}

export const candidatesOf = (c: NxmConfig): NxmSpec[] =>
  (c.candidates ?? DEFAULT_CANDIDATES).map((s, i) => parseSpec(s, `candidates.${i}`));

/** A target's names: its Frugal path and (when the model has one) its Hugging Face module name. */
export interface TargetNames {
  path: string;
  hf?: string;
}

const matches = (patterns: readonly string[], n: TargetNames): boolean =>
  patterns.some((p) => {
    const re = new RegExp(p);
    return re.test(n.path) || (n.hf !== undefined && re.test(n.hf));
  });

export function isExcluded(c: NxmConfig, n: TargetNames): boolean {
  return matches(c.exclude ?? [], n);
}

/** The spec the config fixes for a target, or undefined when the target is left to the search. */
export function fixedSpecOf(c: NxmConfig, n: TargetNames): NxmSpec | undefined {
  const hits = (c.modules ?? []).filter((m) => matches(m.match, n));
  if (hits.length === 0) return undefined;
  const sparsity = hits.find((m) => m.sparsity)?.sparsity ?? '2:4';
  const bits = hits.find((m) => m.bits)?.bits ?? 8;
  return parseSpec(`${sparsity}/int${bits}`, 'modules');
}
