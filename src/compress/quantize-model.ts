/**
 * ZeroQuant post-training quantization of a whole model, in place: every Linear inside an
 * attention or feed-forward block becomes a QuantizedLinear (group-wise weights, token-wise INT8
 * activations). Embeddings, norms and the heads ('other' layers) stay f32, as in the paper.
 * Schemes: 'w8a8' (INT8 everywhere) and 'w4a8-mixed' (INT8 attention, INT4 feed-forward). INT8
 * layers with one scale per row hold 7-bit codes by default (weights.sevenBit).
 */
import { FrugalError } from '../core/errors.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { findLayers, type LinearRole } from './layers.js';
import { fuseNormQuantization } from './norm-quant.js';
import { QuantizedLinear } from './quantized-linear.js';
import { resolveGroupSize, type WeightBits } from './weight-quant.js';

export type QuantScheme = 'w8a8' | 'w4a8-mixed';

export interface QuantizeModelOptions {
  /** Bits per role (default 'w8a8'). Leave it out when weights.bits sets one width for all. */
  scheme?: QuantScheme;
  weights?: {
    /**
     * One width for every quantized layer: 8, 4, or XTC's 2 (ternary) and 1 (binary), all with
     * INT8 activations; excludes `scheme`.
     */
    bits?: WeightBits;
    /**
     * Input features per weight scale. Default: INT8, one scale per output row (ZeroQuant's groups
     * are sets of rows; one row each is the finest such grouping and costs nothing in the GEMM
     * epilogue); INT4, 128 where it divides the width (else a whole row), since 4 bits need finer groups.
     */
    groupSize?: number;
    /**
     * INT8 layers with one scale per row get 7-bit codes ([-63, 63]) unless this is false: the
     * u8 x s8 kernel (vpmaddubsw, AVX2 without VNNI) cannot saturate on them and runs at about
     * twice the rate of the exact int16-pair kernel that full-range codes need. This is
     * onnxruntime's `reduce_range` for x86 without VNNI; on the SpamAssassin bert-mini it changes
     * no test prediction (notes/int8.md). Grouped INT8 layers keep full-range codes.
     */
    sevenBit?: boolean;
  };
  activations?: 'int8-token';
  /** Dotted-path prefixes left in f32 (for example "blocks.0"). */
  exclude?: readonly string[];
}

export interface LayerPlan {
  path: string;
  role: LinearRole;
  bits: WeightBits;
  groupSize: number;
  inFeatures: number;
  outFeatures: number;
}

export interface QuantizeReport {
  layers: (LayerPlan & { bytesBefore: number; bytesAfter: number })[];
  /** Linear layers left in f32 (heads, excluded paths). */
  kept: string[];
}

const SCHEME_BITS: Record<QuantScheme, Record<'attention' | 'ffn', WeightBits>> = {
  w8a8: { attention: 8, ffn: 8 },
  'w4a8-mixed': { attention: 8, ffn: 4 },
};

export const DEFAULT_INT4_GROUP = 128;

function checkOptions(opts: QuantizeModelOptions): void {
  const op = 'quantizeModel';
  if (opts.scheme !== undefined && !(opts.scheme in SCHEME_BITS)) {
    throw new FrugalError('E_CONFIG', `scheme must be 'w8a8' or 'w4a8-mixed', got ${String(opts.scheme)}`, {
      op,
      field: 'scheme',
    });
  }
  if (opts.scheme !== undefined && opts.weights?.bits !== undefined) {
    throw new FrugalError('E_CONFIG', 'give either scheme or weights.bits, not both', {
      op,
      field: 'weights.bits',
      hint: "scheme 'w4a8-mixed' already sets INT8 attention and INT4 feed-forward weights",
    });
  }
  if (opts.activations !== undefined && opts.activations !== 'int8-token') {
    throw new FrugalError('E_CONFIG', `activations must be 'int8-token', got ${String(opts.activations)}`, {
      op,
      field: 'activations',
    });
  }
}

/** Which layers would be quantized, with their widths and group sizes; changes nothing. */
export function planQuantization(
  model: Module,
  opts: QuantizeModelOptions = {},
): { plan: LayerPlan[]; kept: string[] } {
  checkOptions(opts);
  const plan: LayerPlan[] = [];
  const kept: string[] = [];
  const excluded = (path: string) => (opts.exclude ?? []).some((p) => path === p || path.startsWith(`${p}.`));
  for (const site of findLayers(model, (m): m is Linear => m instanceof Linear)) {
    if (site.role === 'other' || excluded(site.path)) {
      kept.push(site.path);
      continue;
    }
    const bits = opts.weights?.bits ?? SCHEME_BITS[opts.scheme ?? 'w8a8'][site.role];
    const { inFeatures, outFeatures } = site.layer;
    const requested = opts.weights?.groupSize;
    const fallback = bits === 4 && inFeatures % DEFAULT_INT4_GROUP === 0 ? DEFAULT_INT4_GROUP : inFeatures;
    const groupSize = resolveGroupSize({ bits, groupSize: requested ?? fallback }, inFeatures, site.path);
    plan.push({ path: site.path, role: site.role, bits, groupSize, inFeatures, outFeatures });
  }
  return { plan, kept };
}

/** Quantizes `model` in place (its f32 Linear weights are freed) and reports what changed. */
export function quantizeModel(model: Module, opts: QuantizeModelOptions = {}): QuantizeReport {
  const { plan, kept } = planQuantization(model, opts);
  const byPath = new Map(plan.map((p) => [p.path, p]));
  const layers: QuantizeReport['layers'] = [];
  for (const site of findLayers(model, (m): m is Linear => m instanceof Linear)) {
    const p = byPath.get(site.path);
    if (!p) continue;
    const sevenBit = (opts.weights?.sevenBit ?? true) && p.bits === 8 && p.groupSize === p.inFeatures;
    const q = QuantizedLinear.fromLinear(
      site.layer,
      { bits: p.bits, groupSize: p.groupSize, sevenBit },
      site.path,
    );
    const bytesBefore = 4 * site.layer.parameterCount();
    site.parent.replaceChild(site.name, q);
    site.layer.dispose();
    layers.push({ ...p, bytesBefore, bytesAfter: q.byteSize() });
  }
  fuseNormQuantization(model);
  return { layers, kept };
}
