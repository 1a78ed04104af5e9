/**
 * XTC / TinyBERT layer reduction: a shallower BERT student whose blocks are copies of chosen
 * teacher blocks (embeddings, pooler and classifier copied as they are). The paper's default keeps
 * every other layer starting at the second (1, 3, 5, ... of a 12-layer teacher).
 */
import { FrugalError } from '../core/errors.js';
import { BertForSequenceClassification } from '../models/bert.js';
import type { Tensor } from '../tensor/tensor.js';

const OP = 'reduceLayers';

/** Teacher layers 1, 3, 5, ...: half the depth (rounded down, at least one layer). */
export function everyOtherLayer(teacherLayers: number): number[] {
  const n = Math.max(1, Math.floor(teacherLayers / 2));
  return Array.from({ length: n }, (_, i) => Math.min(2 * i + 1, teacherLayers - 1));
}

/** Checks `keep` against a teacher of `teacherLayers` blocks: non-empty, in range, increasing. */
export function checkKeepLayers(keep: readonly number[], teacherLayers: number): void {
  const ok =
    keep.length > 0 &&
    keep.every((l, i) => Number.isInteger(l) && l >= 0 && l < teacherLayers && (i === 0 || l > keep[i - 1]!));
  if (!ok) {
    throw new FrugalError('E_CONFIG', `keepLayers [${keep}] does not fit a ${teacherLayers}-layer teacher`, {
      op: OP,
      field: 'keepLayers',
      hint: `give increasing layer indices in 0..${teacherLayers - 1}, e.g. ${everyOtherLayer(teacherLayers).join(',')}`,
    });
  }
}

/** A new student (train mode off, like the teacher after loading) with blocks copied from `keep`. */
export function reduceLayers(
  teacher: BertForSequenceClassification,
  keep: readonly number[],
): BertForSequenceClassification {
  checkKeepLayers(keep, teacher.config.layers);
  const student = new BertForSequenceClassification({ ...teacher.config, layers: keep.length });
  const source = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(teacher.stateDict())) {
    const m = /^blocks\.(\d+)\.(.*)$/.exec(name);
    if (!m) {
      source.set(name, t);
      continue;
    }
    const at = keep.indexOf(Number(m[1]));
    if (at >= 0) source.set(`blocks.${at}.${m[2]}`, t);
  }
  student.loadStateDict(source);
  student.eval();
  return student;
}
