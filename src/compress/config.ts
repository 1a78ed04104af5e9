/**
 * The JSON configuration of `frugal compress --method zeroquant` (validated with zod; a bad value
 * is an E_CONFIG naming the field):
 *   { "scheme": "w8a8" | "w4a8-mixed", "weights": { "bits": 8 | 4 | 2 | 1, "groupSize": 128,
 *     "sevenBit": true },
 *     "activations": "int8-token", "exclude": ["blocks.0"],
 *     "lkd": { "steps": 100, "lr": 1e-4 } | false,
 *     "calibration": { "batches": 4, "batchSize": 8 }, "eval": { "limit": 512, "latencyBatch": 8 } }
 */
import { z } from 'zod';
import { FrugalError } from '../core/errors.js';
import type { QuantizeModelOptions } from './quantize-model.js';

/** How a compress run measures (every method): test-split limit and latency batch. */
export const evalOptionsSchema = z
  .object({
    limit: z.number().int().positive().optional(),
    latencyBatch: z.number().int().positive().optional(),
  })
  .strict()
  .optional();

const schema = z
  .object({
    scheme: z.enum(['w8a8', 'w4a8-mixed']).optional(),
    weights: z
      .object({
        bits: z.union([z.literal(8), z.literal(4), z.literal(2), z.literal(1)]).optional(),
        groupSize: z.number().int().positive().optional(),
        sevenBit: z.boolean().optional(),
      })
      .strict()
      .optional(),
    activations: z.literal('int8-token').optional(),
    exclude: z.array(z.string()).optional(),
    lkd: z
      .union([
        z.literal(false),
        z
          .object({ steps: z.number().int().positive().optional(), lr: z.number().positive().optional() })
          .strict(),
      ])
      .optional(),
    calibration: z
      .object({
        batches: z.number().int().positive().optional(),
        batchSize: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    eval: evalOptionsSchema,
  })
  .strict();

export type ZeroQuantConfig = z.infer<typeof schema>;

export function parseZeroQuantConfig(value: unknown, source = 'config'): ZeroQuantConfig {
  return parseCompressConfig(
    schema,
    value,
    source,
    'zeroquant',
    'frugal compress',
    'see `frugal compress --help` for the keys',
  );
}

/**
 * Validates one method's JSON config against its schema; the first problem becomes an E_CONFIG
 * naming the field (an unknown key by its own name) and the file it came from.
 */
export function parseCompressConfig<T>(
  schema: z.ZodType<T>,
  value: unknown,
  source: string,
  method: string,
  op: string,
  keysHint: string,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = [...issue.path.map(String), ...keys.slice(0, 1)].join('.') || '(root)';
  throw new FrugalError('E_CONFIG', `invalid ${method} config: ${issue.message}`, {
    op,
    field,
    ...(source === 'config' ? {} : { file: source }),
    hint: `fix ${field}; ${keysHint}`,
  });
}

export function quantizeOptionsOf(c: ZeroQuantConfig): QuantizeModelOptions {
  return {
    ...(c.scheme === undefined ? {} : { scheme: c.scheme }),
    ...(c.weights === undefined ? {} : { weights: c.weights }),
    ...(c.activations === undefined ? {} : { activations: c.activations }),
    ...(c.exclude === undefined ? {} : { exclude: c.exclude }),
  };
}
