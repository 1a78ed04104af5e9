import { FrugalError } from '../core/errors.js';

export interface BinaryMetrics {
  n: number;
  accuracy: number;
  precision: number;
  recall: number;
  /** F1 of the positive class; 0 when there are no true positives. */
  f1: number;
}

/** Accuracy and positive-class precision / recall / F1 of 0/1 predictions. */
export function binaryMetrics(predicted: ArrayLike<number>, gold: ArrayLike<number>): BinaryMetrics {
  if (predicted.length !== gold.length || gold.length === 0)
    throw new FrugalError('E_SHAPE', `${predicted.length} predictions for ${gold.length} labels`, {
      op: 'binaryMetrics',
      shapes: [[predicted.length], [gold.length]],
    });
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    const p = predicted[i] === 1;
    const g = gold[i] === 1;
    if (p === g) correct++;
    if (p && g) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = tp === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { n: gold.length, accuracy: correct / gold.length, precision, recall, f1 };
}
