/**
 * One-shot NxM packing without training: every attention and FFN Linear of a model is pruned to
 * its N:M magnitude mask, rounded per output row and replaced in place by a SparseQuantizedLinear.
 * This is what the inference benchmarks run (the kernel's speed does not depend on training); the
 * trained path is admm.ts + nxm-run.ts.
 */

import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/creation.js';
import { findLayers } from './layers.js';
import { projectNm } from './nm-sparsity.js';
import { type NxmBytes, type NxmSpec, patternOf } from './nxm-spec.js';
import { packSparse, SparseQuantizedLinear } from './sparse-linear.js';
import { f32Data } from './tensor-data.js';

/** Packs every attention / FFN Linear of `model` with `spec`; returns the packed layers' bytes. */
export function packModelNm(model: Module, spec: NxmSpec): NxmBytes[] {
  return findLayers(model, (m): m is Linear => m instanceof Linear)
    .filter((s) => s.role !== 'other')
    .map((s) => {
      const { outFeatures, inFeatures } = s.layer;
      const w = projectNm(f32Data(s.layer.weight.value), inFeatures, patternOf(spec));
      const bias = s.layer.bias ? tensor(f32Data(s.layer.bias.value).slice()) : undefined;
      const packed = new SparseQuantizedLinear(packSparse(w, outFeatures, inFeatures, spec), bias);
      s.parent.replaceChild(s.name, packed);
      s.layer.dispose();
      return packed.bytes();
    });
}
