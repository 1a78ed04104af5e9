/**
 * One GPU's continuous-batching scheduler, in the manner of vLLM: FIFO admission while the KV cache
 * (reserved for a request's full input + output, so nothing is ever preempted) and the batch limit
 * allow; each iteration decodes one token for every sequence past its prompt and spends a chunk
 * budget on prompt tokens. The engine keeps no clock: callers pass `now` (virtual time in the
 * simulator, wall time in the emulator server).
 */
import type { ServiceModel } from './service-model.js';

export interface EngineRequest {
  readonly id: number;
  readonly arrival: number;
  readonly input: number;
  readonly output: number;
  prefilled: number;
  generated: number;
  admittedAt: number;
  firstTokenAt: number;
  doneAt: number;
  /** True when the request can never fit in this GPU's KV cache. */
  rejected: boolean;
}

export function newRequest(id: number, arrival: number, input: number, output: number): EngineRequest {
  return {
    id,
    arrival,
    input,
    output,
    prefilled: 0,
    generated: 0,
    admittedAt: -1,
    firstTokenAt: -1,
    doneAt: -1,
    rejected: false,
  };
}

export interface StepResult {
  duration: number;
  /** Requests that received a token in this iteration (first tokens included). */
  tokens: EngineRequest[];
  finished: EngineRequest[];
}

export class BatchEngine {
  private queue: EngineRequest[] = [];
  private head = 0;
  private running: EngineRequest[] = [];
  private reserved = 0;
  busyTime = 0;

  constructor(readonly model: ServiceModel) {}

  submit(r: EngineRequest): void {
    if (r.input + r.output > this.model.kvCapacityTokens) {
      r.rejected = true;
      return;
    }
    this.queue.push(r);
  }

  get idle(): boolean {
    return this.running.length === 0 && this.head === this.queue.length;
  }

  get inFlight(): number {
    return this.running.length + this.queue.length - this.head;
  }

  /** Runs one iteration starting at `now`; returns null when there is nothing to do. */
  step(now: number): StepResult | null {
    this.admit(now);
    if (this.running.length === 0) return null;
    let budget = this.model.prefillChunkTokens;
    let decode = 0;
    let context = 0;
    let prefill = 0;
    const chunk = new Map<EngineRequest, number>();
    for (const r of this.running) {
      context += r.prefilled + r.generated;
      if (r.prefilled === r.input) decode++;
      else if (budget > 0) {
        const n = Math.min(budget, r.input - r.prefilled);
        chunk.set(r, n);
        budget -= n;
        prefill += n;
      }
    }
    const duration = this.model.stepTime(decode, context, prefill);
    const end = now + duration;
    this.busyTime += duration;
    const tokens: EngineRequest[] = [];
    const finished: EngineRequest[] = [];
    const still: EngineRequest[] = [];
    for (const r of this.running) {
      const n = chunk.get(r);
      if (n !== undefined) {
        r.prefilled += n;
        if (r.prefilled === r.input) {
          r.generated = 1;
          r.firstTokenAt = end;
          tokens.push(r);
        }
      } else if (r.prefilled === r.input) {
        r.generated++;
        tokens.push(r);
      }
      if (r.generated === r.output) {
        r.doneAt = end;
        this.reserved -= r.input + r.output;
        finished.push(r);
      } else still.push(r);
    }
    this.running = still;
    return { duration, tokens, finished };
  }

  private admit(now: number): void {
    while (this.head < this.queue.length && this.running.length < this.model.maxBatch) {
      const r = this.queue[this.head]!;
      if (this.reserved + r.input + r.output > this.model.kvCapacityTokens) break;
      this.reserved += r.input + r.output;
      r.admittedAt = now;
      this.running.push(r);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
