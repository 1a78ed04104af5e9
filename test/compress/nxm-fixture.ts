/** A model packed with a fixed heterogeneous NxM assignment, without training (as nxm-run packs). */
import { attachNxm } from '../../src/compress/admm.js';
import { findLayers } from '../../src/compress/layers.js';
import { NxmLinear } from '../../src/compress/nxm-linear.js';
import { type NxmSpec, parseSpec } from '../../src/compress/nxm-spec.js';
import { nxmTargets } from '../../src/compress/sensitivity.js';
import { type SparseLayout, SparseQuantizedLinear } from '../../src/compress/sparse-linear.js';
import type { Module } from '../../src/nn/module.js';

const SPECS: NxmSpec[] = [parseSpec('2:4/int8', 'test'), parseSpec('1:4/int4', 'test')];

/** Alternates 2:4/int8 and 1:4/int4 over the attention and FFN Linears; returns the saved layouts. */
export function packFixedNxm(model: Module): SparseLayout[] {
  const assignment = new Map(nxmTargets(model).map((t, i) => [t.path, SPECS[i % 2]!]));
  attachNxm(model, assignment);
  return findLayers(model, (m): m is NxmLinear => m instanceof NxmLinear).map((s) => {
    const packed = SparseQuantizedLinear.fromNxm(s.layer);
    s.parent.replaceChild(s.name, packed);
    s.layer.dispose();
    return packed.layout(s.path);
  });
}
