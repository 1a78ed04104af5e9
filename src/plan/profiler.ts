/**
 * Measures a profile from a running OpenAI-compatible server (vLLM, TGI, SGLang, the emulator):
 * for each bucket, Poisson arrivals at a trial rate, TTFT and TPOT read from the streamed SSE
 * chunks, and a search for the highest rate whose statistic meets the SLO.
 *
 * Prompts are `input` repetitions of one common word, which most tokenizers map to about one token
 * each; outputs are forced to `output` tokens with `max_tokens` plus vLLM's `min_tokens`/`ignore_eos`.
 */
import { performance } from 'node:perf_hooks';
import { FrugalError } from '../core/errors.js';
import { type Progress, startProgress } from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { listBuckets } from './planner.js';
import { findMaxRate } from './rate-search.js';
import type { Profile, Slo, Workload } from './schema.js';
import { evaluateSlo, type RequestLatency, type SloReport } from './slo.js';

export interface ServerProfileOptions {
  baseUrl: string;
  /** Model name sent in each request. */
  model: string;
  /** GPU type the server runs on: the key the rates are stored under. */
  gpu: string;
  api?: 'completions' | 'chat';
  grid: Pick<Workload, 'inputBuckets' | 'outputBuckets'>;
  slo: Slo;
  requestsPerTrial?: number;
  /** Each trial also lasts at least this long (seconds), so a slow overload shows as a queue. */
  minTrialS?: number;
  startRate?: number;
  minRate?: number;
  maxRate?: number;
  refineSteps?: number;
  /** With a TPOT-only SLO, a rate whose p99 TTFT exceeds this is overloaded (milliseconds). */
  maxTtftMs?: number;
  requestTimeoutMs?: number;
  seed?: number;
  progress?: boolean;
}

/** Sends one streaming request and times its tokens. */
export async function measureRequest(
  opts: Pick<ServerProfileOptions, 'baseUrl' | 'model' | 'api' | 'requestTimeoutMs'>,
  input: number,
  output: number,
): Promise<RequestLatency> {
  const chat = opts.api === 'chat';
  const text = 'hello '.repeat(input).trimEnd();
  const body = {
    model: opts.model,
    ...(chat ? { messages: [{ role: 'user', content: text }] } : { prompt: text }),
    max_tokens: output,
    min_tokens: output,
    ignore_eos: true,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  };
  const url = `${opts.baseUrl.replace(/\/$/, '')}/v1/${chat ? 'chat/completions' : 'completions'}`;
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.requestTimeoutMs ?? 300_000),
    });
  } catch (e) {
    throw new FrugalError('E_IO', `cannot reach ${url}: ${(e as Error).message}`, {
      op: 'plan profile',
      cause: e,
      hint: 'start the server first, or check --url',
    });
  }
  if (!res.ok || !res.body)
    throw new FrugalError('E_IO', `${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`, {
      op: 'plan profile',
      hint: 'check --url, --model and that the server speaks the OpenAI streaming API',
    });
  let first = -1;
  let last = -1;
  let chunks = 0;
  let usageTokens = 0;
  const decoder = new TextDecoder();
  let buf = '';
  for await (const part of res.body) {
    buf += decoder.decode(part as Uint8Array, { stream: true });
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      const msg = JSON.parse(data) as {
        choices?: { text?: string; delta?: { content?: string } }[];
        usage?: { completion_tokens?: number } | null;
      };
      if (msg.usage?.completion_tokens) usageTokens = msg.usage.completion_tokens;
      const c = msg.choices?.[0];
      if (c && (c.text ?? c.delta?.content ?? '') !== '') {
        const now = performance.now();
        if (first < 0) first = now;
        last = now;
        chunks++;
      }
    }
  }
  if (first < 0)
    throw new FrugalError('E_IO', `${url} streamed no tokens`, {
      op: 'plan profile',
      hint: 'is stream: true supported?',
    });
  const tokens = usageTokens || chunks;
  return { ttftMs: first - t0, tpotMs: tokens > 1 ? (last - first) / (tokens - 1) : 0, queueMs: Number.NaN };
}

/** Fires `n` requests of one bucket as a Poisson process at `rate` req/s and evaluates the SLO. */
export async function runTrial(
  opts: ServerProfileOptions,
  bucket: { input: readonly [number, number]; output: readonly [number, number] },
  rate: number,
  n: number,
  rng: Rng,
): Promise<SloReport> {
  const pending: Promise<RequestLatency>[] = [];
  const start = performance.now();
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += rng.exponential(rate) * 1000;
    const wait = start + at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const input = bucket.input[0] + rng.int(bucket.input[1] - bucket.input[0]);
    const output = bucket.output[0] + rng.int(bucket.output[1] - bucket.output[0]);
    pending.push(measureRequest(opts, input, output));
  }
  return evaluateSlo(await Promise.all(pending), opts.slo);
}

/** Profiles one GPU type (the server's) over the whole bucket grid. */
export async function profileServer(opts: ServerProfileOptions): Promise<Profile> {
  const buckets = listBuckets(opts.grid);
  const cols = opts.grid.outputBuckets.length;
  const rng = new Rng(opts.seed ?? 7);
  const n = opts.requestsPerTrial ?? 100;
  const maxTtftMs = opts.maxTtftMs ?? 5000;
  const minTrialS = opts.minTrialS ?? 30;
  const bar: Progress = opts.progress
    ? startProgress(`profiling ${opts.gpu}`, buckets.length)
    : { update() {}, stop() {} };
  const m = opts.grid.inputBuckets.map(() => opts.grid.outputBuckets.map(() => 0));
  for (const b of buckets) {
    const trial = async (rate: number) => {
      const r = await runTrial(opts, b, rate, Math.max(n, Math.ceil(rate * minTrialS)), rng);
      return r.met && r.ttftMs.p99 <= maxTtftMs;
    };
    const res = await findMaxRate(trial, {
      startRate: opts.startRate ?? 1,
      minRate: opts.minRate ?? 0.05,
      maxRate: opts.maxRate ?? 256,
      refineSteps: opts.refineSteps ?? 4,
    });
    m[Math.floor(b.index / cols)]![b.index % cols] = Number(res.rate.toPrecision(3));
    bar.update(b.index + 1);
  }
  bar.stop();
  return {
    source: `frugal plan profile --url ${opts.baseUrl} (model ${opts.model}, at least ${n} requests and ${minTrialS} s per trial, p99 TTFT <= ${maxTtftMs} ms, seed ${opts.seed ?? 7})`,
    slo: opts.slo,
    inputBuckets: opts.grid.inputBuckets,
    outputBuckets: opts.grid.outputBuckets,
    rates: { [opts.gpu]: m },
  };
}
