/**
 * Per-component sensitivity (NxMiFormer's heuristic search, first half): for every target Linear
 * and every candidate (N:M, bits), the validation loss when only that Linear is pruned to N:M
 * (magnitude) and rounded per row to `bits`, one shot, everything else f32. The weight tensor is
 * swapped for the compressed one during each measurement and the original put back afterwards.
 */
import { FrugalError } from '../core/errors.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/creation.js';
import { findLayers, type LinearRole } from './layers.js';
import { projectNm } from './nm-sparsity.js';
import { fakeQuantRows, type NxmSpec, patternOf, specName } from './nxm-spec.js';
import { f32Data } from './tensor-data.js';

export interface SensitivityRow {
  path: string;
  spec: string;
  /** Validation loss with only this Linear compressed, and its increase over the f32 loss. */
  loss: number;
  delta: number;
}

export interface SensitivityTable {
  baseLoss: number;
  rows: SensitivityRow[];
}

export interface TargetLayer {
  path: string;
  role: LinearRole;
  outFeatures: number;
  inFeatures: number;
}

/** The Linears NxM compresses: those inside attention and FFN blocks (heads and poolers stay f32). */
export function nxmTargets(model: Module, exclude: readonly string[] = []): TargetLayer[] {
  return findLayers(model, (m): m is Linear => m instanceof Linear)
    .filter((s) => s.role !== 'other' && !exclude.some((e) => s.path === e || s.path.startsWith(`${e}.`)))
    .map((s) => ({
      path: s.path,
      role: s.role,
      outFeatures: s.layer.outFeatures,
      inFeatures: s.layer.inFeatures,
    }));
}

export interface SensitivityOptions {
  model: Module;
  targets: readonly TargetLayer[];
  candidates: readonly NxmSpec[];
  /** Validation loss of the model as it is now (called under noGrad by the caller's choice). */
  evaluate: () => number;
  onRow?: (row: SensitivityRow, done: number, total: number) => void;
}

export function measureSensitivity(o: SensitivityOptions): SensitivityTable {
  const linears = new Map(
    findLayers(o.model, (m): m is Linear => m instanceof Linear).map((s) => [s.path, s.layer]),
  );
  const baseLoss = o.evaluate();
  const rows: SensitivityRow[] = [];
  const total = o.targets.length * o.candidates.length;
  for (const t of o.targets) {
    const linear = linears.get(t.path);
    if (!linear) {
      throw new FrugalError('E_NOT_FOUND', `the model has no Linear at ${t.path}`, {
        op: 'measureSensitivity',
        field: 'targets',
      });
    }
    const original = linear.weight.value;
    const w = f32Data(original, 'measureSensitivity');
    try {
      for (const spec of o.candidates) {
        const pruned = projectNm(w, t.inFeatures, patternOf(spec));
        // A new tensor, not an in-place edit: backends that cache a packed weight key it by identity.
        linear.weight.value = tensor(fakeQuantRows(pruned, t.outFeatures, t.inFeatures, spec.bits), {
          shape: [t.outFeatures, t.inFeatures],
        });
        try {
          const loss = o.evaluate();
          const row = { path: t.path, spec: specName(spec), loss, delta: loss - baseLoss };
          rows.push(row);
          o.onRow?.(row, rows.length, total);
        } finally {
          linear.weight.value.dispose();
        }
      }
    } finally {
      linear.weight.value = original;
    }
  }
  return { baseLoss, rows };
}
