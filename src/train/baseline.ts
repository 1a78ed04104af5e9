import { FrugalError } from '../core/errors.js';
import { type BinaryMetrics, binaryMetrics } from './metrics.js';

/** One document as sparse (feature id, weight) pairs. */
interface SparseRow {
  ids: Int32Array;
  values: Float64Array;
}

export interface LogisticRegressionOptions {
  /** L2 penalty on the weights (not the bias). */
  l2: number;
  /** Full-batch accelerated gradient steps (default 400). */
  iterations?: number;
}

/**
 * Bag-of-words logistic regression: sublinear tf-idf over token ids, rows L2-normalized, weights fit
 * by Nesterov-accelerated full-batch gradient descent from zero. The objective is convex and the
 * start is fixed, so the fit is deterministic without a seed.
 */
export class BagOfWordsClassifier {
  private constructor(
    private readonly idf: Float64Array,
    private readonly weights: Float64Array,
    private readonly bias: number,
    readonly l2: number,
  ) {}

  static fit(
    docs: readonly (readonly number[])[],
    labels: ArrayLike<number>,
    vocabSize: number,
    opts: LogisticRegressionOptions,
  ): BagOfWordsClassifier {
    const op = 'BagOfWordsClassifier.fit';
    if (docs.length === 0 || docs.length !== labels.length)
      throw new FrugalError('E_SHAPE', `${docs.length} documents for ${labels.length} labels`, {
        op,
        shapes: [[docs.length], [labels.length]],
      });
    if (!(opts.l2 >= 0))
      throw new FrugalError('E_ARG', `l2 must be >= 0, got ${opts.l2}`, { op, field: 'l2' });
    const df = new Float64Array(vocabSize);
    for (const d of docs) for (const id of new Set(checkIds(d, vocabSize, op))) df[id]! += 1;
    const idf = df.map((c) => Math.log((1 + docs.length) / (1 + c)) + 1);
    const rows = docs.map((d) => featurize(d, idf));
    const n = rows.length;
    const w = new Float64Array(vocabSize);
    const v = new Float64Array(vocabSize);
    const grad = new Float64Array(vocabSize);
    let b = 0;
    let vb = 0;
    // Rows have unit norm and the bias feature is 1, so the loss gradient is 0.5-Lipschitz at most.
    const eta = 1 / (0.5 + opts.l2);
    const iterations = opts.iterations ?? 400;
    for (let k = 0; k < iterations; k++) {
      grad.fill(0);
      let gb = 0;
      for (let i = 0; i < n; i++) {
        const r = rows[i]!;
        const err = sigmoid(dot(r, v) + vb) - (labels[i] as number);
        for (let j = 0; j < r.ids.length; j++) grad[r.ids[j]!]! += (err * r.values[j]!) / n;
        gb += err / n;
      }
      const momentum = k / (k + 3);
      for (let j = 0; j < vocabSize; j++) {
        const next = v[j]! - eta * (grad[j]! + opts.l2 * v[j]!);
        v[j] = next + momentum * (next - w[j]!);
        w[j] = next;
      }
      const nextB = vb - eta * gb;
      vb = nextB + momentum * (nextB - b);
      b = nextB;
    }
    return new BagOfWordsClassifier(idf, w, b, opts.l2);
  }

  /** P(label = 1) per document. */
  predictProba(docs: readonly (readonly number[])[]): Float64Array {
    return Float64Array.from(docs, (d) =>
      sigmoid(
        dot(featurize(checkIds(d, this.idf.length, 'BagOfWordsClassifier.predict'), this.idf), this.weights) +
          this.bias,
      ),
    );
  }

  predict(docs: readonly (readonly number[])[]): Int32Array {
    return Int32Array.from(this.predictProba(docs), (p) => (p >= 0.5 ? 1 : 0));
  }
}

export interface BaselineResult {
  model: BagOfWordsClassifier;
  l2: number;
  validation: BinaryMetrics;
}

/** Fits one classifier per L2 strength and keeps the one with the best validation F1. */
export function fitBaseline(
  train: { docs: readonly (readonly number[])[]; labels: ArrayLike<number> },
  validation: { docs: readonly (readonly number[])[]; labels: ArrayLike<number> },
  vocabSize: number,
  l2Grid: readonly number[] = [1e-5, 1e-4, 1e-3, 1e-2],
): BaselineResult {
  let best: BaselineResult | undefined;
  for (const l2 of l2Grid) {
    const model = BagOfWordsClassifier.fit(train.docs, train.labels, vocabSize, { l2 });
    const m = binaryMetrics(model.predict(validation.docs), validation.labels);
    if (!best || m.f1 > best.validation.f1) best = { model, l2, validation: m };
  }
  if (!best) throw new FrugalError('E_ARG', 'the L2 grid is empty', { op: 'fitBaseline', field: 'l2Grid' });
  return best;
}

function checkIds(doc: readonly number[], vocabSize: number, op: string): readonly number[] {
  for (const id of doc)
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
      throw new FrugalError('E_INDEX', `token id ${id} is outside the vocabulary [0, ${vocabSize})`, {
        op,
        field: 'docs',
      });
  return doc;
}

function featurize(doc: readonly number[], idf: Float64Array): SparseRow {
  const counts = new Map<number, number>();
  for (const id of doc) counts.set(id, (counts.get(id) ?? 0) + 1);
  const ids = Int32Array.from(counts.keys());
  const values = Float64Array.from(ids, (id) => (1 + Math.log(counts.get(id)!)) * idf[id]!);
  let norm = 0;
  for (const x of values) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < values.length; j++) values[j]! /= norm;
  return { ids, values };
}

function dot(r: SparseRow, w: Float64Array): number {
  let s = 0;
  for (let j = 0; j < r.ids.length; j++) s += r.values[j]! * w[r.ids[j]!]!;
  return s;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
