/**
 * One GPU's continuous-batching scheduler, in the manner of vLLM: FIFO admission while the batch
 * limit and the paged KV cache allow (a prompt's KV is allocated on admission, one slot per
 * generated token after that); each iteration decodes one token for every sequence past its
 * prompt and spends a chunk budget on prompt tokens. When the cache runs out mid-decode, the most
 * recently admitted sequence is preempted and later recomputed (its prompt plus the tokens it had
 * generated), as vLLM's recompute preemption does. The engine keeps no clock: callers pass `now`
 * (virtual time in the simulator, wall time in the emulator server).
 */
import type { ServiceModel } from './service-model.js';

export interface EngineRequest {
  readonly id: number;
  readonly arrival: number;
  readonly input: number;
  readonly output: number;
  /** Prompt tokens to process before decoding: the input, or input + generated after preemption. */
  prefillTarget: number;
  prefilled: number;
  generated: number;
  /** KV-cache tokens held now. */
  held: number;
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
    prefillTarget: input,
    held: 0,
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
  private used = 0;
  busyTime = 0;
  preemptions = 0;

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
    let decode = this.running.filter((r) => r.prefilled === r.prefillTarget).length;
    while (this.used + decode > this.model.kvCapacityTokens && this.running.length > 1) {
      const victim = this.running.pop()!;
      if (victim.prefilled === victim.prefillTarget) decode--;
      this.preempt(victim);
    }
    let budget = this.model.prefillChunkTokens;
    let context = 0;
    let prefill = 0;
    const chunk = new Map<EngineRequest, number>();
    for (const r of this.running) {
      context += r.held;
      if (r.prefilled < r.prefillTarget && budget > 0) {
        const n = Math.min(budget, r.prefillTarget - r.prefilled);
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
        // The iteration that completes a prompt also yields its next token.
        if (r.prefilled === r.prefillTarget) this.emit(r, end, tokens);
      } else if (r.prefilled === r.prefillTarget) {
        r.held++;
        this.used++;
        this.emit(r, end, tokens);
      }
      if (r.generated === r.output) {
        r.doneAt = end;
        this.used -= r.held;
        r.held = 0;
        finished.push(r);
      } else still.push(r);
    }
    this.running = still;
    return { duration, tokens, finished };
  }

  private emit(r: EngineRequest, end: number, tokens: EngineRequest[]): void {
    r.generated++;
    if (r.firstTokenAt < 0) r.firstTokenAt = end;
    tokens.push(r);
  }

  private preempt(r: EngineRequest): void {
    this.preemptions++;
    this.used -= r.held;
    r.held = 0;
    r.prefilled = 0;
    r.prefillTarget = r.input + r.generated;
    if (this.head > 0) this.queue[--this.head] = r;
    else this.queue.unshift(r);
  }

  private admit(now: number): void {
    while (this.head < this.queue.length && this.running.length < this.model.maxBatch) {
      const r = this.queue[this.head]!;
      // Keep one slot per running sequence free so the next decode step fits.
      if (this.used + r.prefillTarget + this.running.length + 1 > this.model.kvCapacityTokens) break;
      this.used += r.prefillTarget;
      r.held = r.prefillTarget;
      if (r.admittedAt < 0) r.admittedAt = now;
      this.running.push(r);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
