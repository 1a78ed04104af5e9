/**
 * Input schemas of the planner (zod). Buckets form a grid: `inputBuckets` x `outputBuckets`, each a
 * half-open token range [lo, hi). Matrices (distribution, profiled rates) are indexed
 * [inputBucket][outputBucket].
 */
import { z } from 'zod';

export const SLO_STATISTICS = ['mean', 'p50', 'p90', 'p95', 'p99'] as const;
export type SloStatistic = (typeof SLO_STATISTICS)[number];

const range = z
  .tuple([z.number().int().min(1), z.number().int().min(2)])
  .refine(([lo, hi]) => hi > lo, { message: 'a bucket [lo, hi) needs hi > lo' });

export const sloSchema = z
  .object({
    /** Time per output token after the first, in milliseconds. */
    tpotMs: z.number().positive().optional(),
    /** Time to first token, in milliseconds. */
    ttftMs: z.number().positive().optional(),
    /** Which statistic over requests must meet the targets. */
    statistic: z.enum(SLO_STATISTICS).default('p99'),
  })
  .strict()
  .refine((s) => s.tpotMs !== undefined || s.ttftMs !== undefined, {
    message: 'set tpotMs and/or ttftMs',
  });
export type Slo = z.infer<typeof sloSchema>;

const grid = {
  inputBuckets: z.array(range).min(1),
  outputBuckets: z.array(range).min(1),
};

export const workloadSchema = z
  .object({
    name: z.string().default('workload'),
    /** Total request rate, requests per second. */
    rate: z.number().positive(),
    slo: sloSchema,
    ...grid,
    /** Relative request frequency per bucket; normalized to sum to 1. */
    distribution: z.array(z.array(z.number().nonnegative())),
  })
  .strict();
export type Workload = z.infer<typeof workloadSchema>;

export const perfSchema = z
  .object({
    memoryGB: z.number().positive(),
    bandwidthGBs: z.number().positive(),
    tflops: z.number().positive(),
    /** Fractions of peak bandwidth and compute that serving reaches. */
    bandwidthEfficiency: z.number().gt(0).max(1).default(0.7),
    computeEfficiency: z.number().gt(0).max(1).default(0.5),
    /** Fixed scheduling/kernel-launch cost of one engine iteration, milliseconds. */
    stepOverheadMs: z.number().nonnegative().default(3),
  })
  .strict();
export type GpuPerf = z.infer<typeof perfSchema>;

export const servedModelSchema = z
  .object({
    name: z.string(),
    paramsB: z.number().positive(),
    bytesPerParam: z.number().positive().default(2),
    kvBytesPerToken: z.number().positive(),
    /** Prefill tokens processed per engine iteration (chunked prefill). */
    prefillChunkTokens: z.number().int().positive().default(512),
    maxBatch: z.number().int().positive().default(256),
    /** Fraction of GPU memory the engine may use (weights + KV cache). */
    memoryUtilization: z.number().gt(0).max(1).default(0.9),
  })
  .strict();
export type ServedModel = z.infer<typeof servedModelSchema>;

export const catalogSchema = z
  .object({
    source: z.string().optional(),
    servedModel: servedModelSchema.optional(),
    gpus: z
      .array(
        z
          .object({
            name: z.string().min(1),
            pricePerHour: z.number().positive(),
            /** At most this many GPUs of the type can be rented. */
            available: z.number().int().nonnegative().optional(),
            perf: perfSchema.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type Catalog = z.infer<typeof catalogSchema>;
export type GpuType = Catalog['gpus'][number];

export const profileSchema = z
  .object({
    source: z.string().optional(),
    /** The SLO the rates were measured under; it must match the workload's. */
    slo: sloSchema,
    ...grid,
    /** Per GPU type: the highest sustainable rate (req/s) per bucket; 0 = cannot serve. */
    rates: z.record(z.string(), z.array(z.array(z.number().nonnegative()))),
  })
  .strict();
export type Profile = z.infer<typeof profileSchema>;
