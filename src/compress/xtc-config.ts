/**
 * The JSON configuration of `frugal compress --method xtc` (validated with zod; a bad value is an
 * E_CONFIG naming the field). Every key is optional:
 *   { "bits": 2 | 1, "groupSize": 256, "keepLayers": [1, 3],
 *     "embeddings": { "wordEmbeddings": 2, "positionEmbeddings": 2 },
 *     "steps": 1000, "lr": 3e-4, "warmupSteps": 100, "batch": 16, "seed": 0, "evalEvery": 250,
 *     "weights": { "logits": 1, "hidden": 1, "attention": 1, "labels": 0, "temperature": 1 },
 *     "eval": { "limit": 512, "latencyBatch": 8 } }
 */
import { z } from 'zod';
import { evalOptionsSchema, parseCompressConfig } from './config.js';
import { DEFAULT_DISTILL_WEIGHTS, type DistillWeights } from './distill.js';
import type { WeightBits } from './weight-quant.js';

const bits = z.union([z.literal(8), z.literal(4), z.literal(2), z.literal(1)]);
const positive = z.number().int().positive();

const schema = z
  .object({
    bits: z.union([z.literal(2), z.literal(1)]).optional(),
    groupSize: positive.optional(),
    keepLayers: z.array(z.number().int().nonnegative()).min(1).optional(),
    embeddings: z.record(z.string(), z.union([bits, z.literal(false)])).optional(),
    steps: positive.optional(),
    lr: z.number().positive().optional(),
    warmupSteps: z.number().int().nonnegative().optional(),
    batch: positive.optional(),
    seed: z.number().int().optional(),
    evalEvery: positive.optional(),
    weights: z
      .object({
        logits: z.number().nonnegative().optional(),
        hidden: z.number().nonnegative().optional(),
        attention: z.number().nonnegative().optional(),
        labels: z.number().nonnegative().optional(),
        temperature: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    eval: evalOptionsSchema,
  })
  .strict();

export type XtcConfig = z.infer<typeof schema>;

/** The configuration with every default filled in (what the report records). */
export interface XtcSettings {
  bits: 2 | 1;
  groupSize: number | undefined;
  keepLayers: number[] | undefined;
  embeddings: { path: string; bits: WeightBits }[];
  steps: number;
  lr: number;
  warmupSteps: number;
  batch: number;
  seed: number;
  evalEvery: number | undefined;
  weights: DistillWeights;
  eval: { limit: number | undefined; latencyBatch: number };
}

/** XTC quantizes the embeddings as well; the tiny token-type table (2 rows) stays f32. */
const DEFAULT_EMBEDDINGS = { wordEmbeddings: 2, positionEmbeddings: 2 } as const;

export function parseXtcConfig(value: unknown, source = 'config'): XtcConfig {
  return parseCompressConfig(
    schema,
    value,
    source,
    'xtc',
    'frugal compress',
    'see `frugal compress --help` for the keys',
  );
}

export function xtcSettings(c: XtcConfig): XtcSettings {
  const emb: Record<string, WeightBits | false> = { ...DEFAULT_EMBEDDINGS, ...(c.embeddings ?? {}) };
  return {
    bits: c.bits ?? 2,
    groupSize: c.groupSize,
    keepLayers: c.keepLayers,
    embeddings: Object.entries(emb).flatMap(([path, b]) => (b === false ? [] : [{ path, bits: b }])),
    steps: c.steps ?? 1000,
    lr: c.lr ?? 3e-4,
    warmupSteps: c.warmupSteps ?? 100,
    batch: c.batch ?? 16,
    seed: c.seed ?? 0,
    evalEvery: c.evalEvery,
    weights: { ...DEFAULT_DISTILL_WEIGHTS, ...(c.weights ?? {}) },
    eval: { limit: c.eval?.limit, latencyBatch: c.eval?.latencyBatch ?? 8 },
  };
}
