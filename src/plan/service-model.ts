/**
 * How long one engine iteration takes on a GPU: a roofline model of a decoder-only LLM served with
 * continuous batching and chunked prefill. An iteration decodes one token for each of `batch`
 * running sequences (reading the weights once and their `contextTokens` of KV cache) and processes
 * `prefillTokens` prompt tokens; it costs the slower of memory traffic and compute, plus a fixed
 * overhead.
 */
import { FrugalError } from '../core/errors.js';
import type { GpuPerf, ServedModel } from './schema.js';

export interface ServiceModel {
  /** Seconds for one iteration. */
  stepTime(batch: number, contextTokens: number, prefillTokens: number): number;
  /** KV-cache tokens that fit beside the weights. */
  readonly kvCapacityTokens: number;
  readonly maxBatch: number;
  readonly prefillChunkTokens: number;
}

export function rooflineModel(perf: GpuPerf, model: ServedModel, gpuName = 'gpu'): ServiceModel {
  const params = model.paramsB * 1e9;
  const weightBytes = params * model.bytesPerParam;
  const kvBytes = perf.memoryGB * 1e9 * model.memoryUtilization - weightBytes;
  const kvCapacityTokens = Math.floor(kvBytes / model.kvBytesPerToken);
  if (kvCapacityTokens < 1)
    throw new FrugalError(
      'E_CONFIG',
      `${model.name} (${(weightBytes / 1e9).toFixed(1)} GB) does not fit on ${gpuName}`,
      {
        field: 'catalog.gpus.*.perf.memoryGB',
        hint: 'use a GPU with more memory or a smaller/quantized model (bytesPerParam)',
      },
    );
  const bytesPerS = perf.bandwidthGBs * 1e9 * perf.bandwidthEfficiency;
  const flopsPerS = perf.tflops * 1e12 * perf.computeEfficiency;
  const overhead = perf.stepOverheadMs / 1000;
  return {
    kvCapacityTokens,
    maxBatch: model.maxBatch,
    prefillChunkTokens: model.prefillChunkTokens,
    stepTime(batch, contextTokens, prefillTokens) {
      const memory = (weightBytes + contextTokens * model.kvBytesPerToken) / bytesPerS;
      const compute = (2 * params * (batch + prefillTokens)) / flopsPerS;
      return Math.max(memory, compute) + overhead;
    },
  };
}
