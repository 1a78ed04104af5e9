/** Comparison of a compressed model's logits with the f32 model's: cosine, KL and top-1 agreement. */

export interface LogitStats {
  /** Cosine of the flattened logits. */
  cosine: number;
  /** Mean over rows of KL(softmax(f32) || softmax(compressed)), in nats. */
  kl: number;
  /** Fraction of rows whose argmax is the same. */
  agreement: number;
}

/** Forward latency of the f32 and the compressed model on one batch, as every run reports it. */
export interface LatencyComparison {
  batch: number;
  seqLen: number;
  fp32Ms: number;
  compressedMs: number;
  /** compressedMs / fp32Ms */
  ratio: number;
}

/** State-dict bytes before and after compression, whole and for the Linear weights alone. */
export interface CompressedSize {
  fp32Bytes: number;
  compressedBytes: number;
  ratio: number;
  linearFp32Bytes: number;
  linearBytes: number;
}

/** Accumulates logit rows of [rows, classes] from both models, batch by batch. */
export class LogitComparison {
  #dot = 0;
  #na = 0;
  #nb = 0;
  #kl = 0;
  #agree = 0;
  #rows = 0;

  add(reference: Float32Array, candidate: Float32Array, classes: number): void {
    for (let r = 0; r < reference.length / classes; r++) {
      const o = r * classes;
      let maxP = -Infinity;
      let maxQ = -Infinity;
      let argP = 0;
      let argQ = 0;
      for (let c = 0; c < classes; c++) {
        const p = reference[o + c]!;
        const q = candidate[o + c]!;
        this.#dot += p * q;
        this.#na += p * p;
        this.#nb += q * q;
        if (p > maxP) [maxP, argP] = [p, c];
        if (q > maxQ) [maxQ, argQ] = [q, c];
      }
      let zp = 0;
      let zq = 0;
      for (let c = 0; c < classes; c++) {
        zp += Math.exp(reference[o + c]! - maxP);
        zq += Math.exp(candidate[o + c]! - maxQ);
      }
      const logZp = maxP + Math.log(zp);
      const logZq = maxQ + Math.log(zq);
      let kl = 0;
      for (let c = 0; c < classes; c++) {
        const lp = reference[o + c]! - logZp;
        kl += Math.exp(lp) * (lp - (candidate[o + c]! - logZq));
      }
      this.#kl += kl;
      if (argP === argQ) this.#agree++;
      this.#rows++;
    }
  }

  result(): LogitStats {
    return {
      cosine: this.#dot / Math.sqrt(this.#na * this.#nb),
      kl: this.#kl / this.#rows,
      agreement: this.#agree / this.#rows,
    };
  }
}

/** Bytes of a state dict's tensors. */
export function stateBytes(tensors: Iterable<{ size: number; dtype: string }>): number {
  const width: Record<string, number> = { f32: 4, i32: 4, bf16: 2, f16: 2, i8: 1, u8: 1, bool: 1 };
  let n = 0;
  for (const t of tensors) n += t.size * (width[t.dtype] ?? 4);
  return n;
}

/** Cosine of two flat outputs (e.g. an encoder's f32 and quantized hidden states). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}
