/**
 * Reads DeepSpeed's `compression_training` layout (a whole ds_config.json or just that section)
 * into an nxm config, where it maps:
 *   sparse_pruning.shared_parameters: enabled; method "l1" | "topk" (magnitude, as here;
 *     "snip_momentum" is accepted with a warning: NxM uses ADMM + magnitude); dense_ratio (the
 *     default of the groups); schedule_offset / schedule_offset_end (their difference becomes
 *     admm.steps); excluded_modules (exclude).
 *   sparse_pruning.different_groups.<name>: params.dense_ratio -> the N:M pattern with the
 *     smallest M in 4, 8, 16 that expresses it exactly (0.5 -> 2:4, 0.25 -> 1:4, 0.375 -> 3:8);
 *     modules -> modules[].match.
 *   weight_quantization.shared_parameters: enabled; quantization_type "symmetric" (only);
 *     rounding "nearest" (only).
 *   weight_quantization.different_groups.<name>: params.target_bits 8 | 4 -> bits; modules.
 * Module patterns are kept as written: nxm matches them as regular expressions against Frugal
 * paths and Hugging Face names alike. DeepSpeed keys with no NxM meaning (quantize_groups,
 * start_bits, quantization_period, block_pattern, schedule_offset_stride, kernels, verbosity)
 * come back as warnings; an unknown key, an unsupported value, or an enabled section NxM does not
 * implement (activation_quantization, row/head/channel pruning, layer_reduction) is an E_CONFIG
 * naming it.
 */
import { FrugalError } from '../core/errors.js';
import type { NxmConfig } from './nxm-config.js';

export interface DeepSpeedMapping {
  config: NxmConfig;
  warnings: string[];
}

type Json = Record<string, unknown>;

const OP = 'DeepSpeed compression_training';

function fail(field: string, message: string, hint?: string): never {
  throw new FrugalError('E_CONFIG', message, { op: OP, field, ...(hint ? { hint } : {}) });
}

function objectAt(v: unknown, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, `${field} must be an object`);
  return v as Json;
}

function checkKeys(
  o: Json,
  field: string,
  known: readonly string[],
  ignorable: readonly string[],
  warnings: string[],
) {
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    if (ignorable.includes(key)) warnings.push(`${field}.${key} has no NxM equivalent and is ignored`);
    else
      fail(`${field}.${key}`, `unknown or unsupported key ${field}.${key}`, `supported: ${known.join(', ')}`);
  }
}

function stringList(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string'))
    fail(field, `${field} must be a non-empty list of module name patterns`);
  return v as string[];
}

/** dense_ratio -> "N:M" with the smallest M in 4, 8, 16 that expresses it exactly. */
export function denseRatioToPattern(ratio: unknown, field: string): string {
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio < 1))
    fail(field, `${field} must be a number in (0, 1)`);
  for (const m of [4, 8, 16]) {
    const n = ratio * m;
    if (Math.abs(n - Math.round(n)) < 1e-9) return `${Math.round(n)}:${m}`;
  }
  return fail(
    field,
    `${field} ${ratio} is not N/M for M = 4, 8 or 16`,
    'N:M sparsity keeps exactly N of every M weights: use e.g. 0.5 (2:4), 0.25 (1:4) or 0.375 (3:8)',
  );
}

function enabled(section: Json, field: string): boolean {
  const shared =
    section.shared_parameters === undefined
      ? {}
      : objectAt(section.shared_parameters, `${field}.shared_parameters`);
  return shared.enabled === true;
}

interface Groups {
  modules: NonNullable<NxmConfig['modules']>;
}

function sparsePruning(section: Json, warnings: string[], out: NxmConfig & Groups): void {
  const f = 'sparse_pruning';
  checkKeys(section, f, ['shared_parameters', 'different_groups'], [], warnings);
  const shared = objectAt(section.shared_parameters ?? {}, `${f}.shared_parameters`);
  const sf = `${f}.shared_parameters`;
  checkKeys(
    shared,
    sf,
    ['enabled', 'method', 'dense_ratio', 'schedule_offset', 'schedule_offset_end', 'excluded_modules'],
    ['schedule_offset_stride', 'block_pattern'],
    warnings,
  );
  const method = shared.method ?? 'l1';
  if (method === 'snip_momentum')
    warnings.push(`${sf}.method snip_momentum: NxM prunes by magnitude after ADMM instead`);
  else if (method !== 'l1' && method !== 'topk')
    fail(`${sf}.method`, `method ${String(method)} is not supported`, 'use l1, topk or snip_momentum');
  const start = shared.schedule_offset ?? 0;
  const end = shared.schedule_offset_end;
  if (typeof start !== 'number' || (end !== undefined && typeof end !== 'number'))
    fail(`${sf}.schedule_offset`, 'schedule offsets must be numbers of steps');
  if (typeof end === 'number' && end > start) out.admm = { ...out.admm, steps: Math.round(end - start) };
  if (shared.excluded_modules !== undefined)
    out.exclude = [...(out.exclude ?? []), ...stringList(shared.excluded_modules, `${sf}.excluded_modules`)];
  const fallback = shared.dense_ratio;
  const groups = objectAt(section.different_groups ?? {}, `${f}.different_groups`);
  for (const [name, g] of Object.entries(groups)) {
    const gf = `${f}.different_groups.${name}`;
    const group = objectAt(g, gf);
    checkKeys(group, gf, ['params', 'modules'], ['related_modules'], warnings);
    const params = objectAt(group.params ?? {}, `${gf}.params`);
    checkKeys(params, `${gf}.params`, ['dense_ratio'], [], warnings);
    const ratio = params.dense_ratio ?? fallback;
    const field = params.dense_ratio === undefined ? `${sf}.dense_ratio` : `${gf}.params.dense_ratio`;
    out.modules.push({
      match: stringList(group.modules, `${gf}.modules`),
      sparsity: denseRatioToPattern(ratio, field),
    });
  }
}

function weightQuantization(section: Json, warnings: string[], out: NxmConfig & Groups): void {
  const f = 'weight_quantization';
  checkKeys(section, f, ['shared_parameters', 'different_groups'], [], warnings);
  const shared = objectAt(section.shared_parameters ?? {}, `${f}.shared_parameters`);
  const sf = `${f}.shared_parameters`;
  checkKeys(
    shared,
    sf,
    ['enabled', 'quantization_type', 'rounding'],
    [
      'quantizer_kernel',
      'schedule_offset',
      'quantize_groups',
      'quantize_verbose',
      'quantize_weight_in_forward',
      'fp16_mixed_quantize',
    ],
    warnings,
  );
  if ((shared.quantization_type ?? 'symmetric') !== 'symmetric')
    fail(
      `${sf}.quantization_type`,
      'NxM quantizes symmetrically (one scale per output row)',
      'use "symmetric"',
    );
  if ((shared.rounding ?? 'nearest') !== 'nearest')
    fail(`${sf}.rounding`, 'NxM rounds to nearest (half to even)', 'use "nearest"');
  const groups = objectAt(section.different_groups ?? {}, `${f}.different_groups`);
  for (const [name, g] of Object.entries(groups)) {
    const gf = `${f}.different_groups.${name}`;
    const group = objectAt(g, gf);
    checkKeys(group, gf, ['params', 'modules'], ['related_modules'], warnings);
    const params = objectAt(group.params ?? {}, `${gf}.params`);
    checkKeys(params, `${gf}.params`, ['target_bits', 'start_bits'], ['quantization_period'], warnings);
    const bits = params.target_bits;
    if (bits !== 8 && bits !== 4)
      fail(`${gf}.params.target_bits`, `target_bits must be 8 or 4, got ${String(bits)}`);
    if (params.start_bits !== undefined && params.start_bits !== bits)
      warnings.push(`${gf}.params.start_bits: NxM trains at target_bits from the start (no bit schedule)`);
    out.modules.push({ match: stringList(group.modules, `${gf}.modules`), bits });
  }
}

const UNSUPPORTED = [
  'activation_quantization',
  'row_pruning',
  'head_pruning',
  'channel_pruning',
  'layer_reduction',
];

export function fromDeepSpeed(value: unknown): DeepSpeedMapping {
  const root = objectAt(value, '(root)');
  const section = objectAt(root.compression_training ?? root, 'compression_training');
  const warnings: string[] = [];
  const out: NxmConfig & Groups = { modules: [] };
  for (const [key, v] of Object.entries(section)) {
    const s = objectAt(v, key);
    if (key === 'sparse_pruning' || key === 'weight_quantization') {
      if (!enabled(s, key)) {
        warnings.push(`${key} is not enabled and is ignored`);
        continue;
      }
      (key === 'sparse_pruning' ? sparsePruning : weightQuantization)(s, warnings, out);
    } else if (UNSUPPORTED.includes(key)) {
      if (enabled(s, key))
        fail(
          `${key}.shared_parameters.enabled`,
          `${key} is not part of NxM`,
          `disable it or use another method`,
        );
      warnings.push(`${key} is not enabled and is ignored`);
    } else {
      fail(
        key,
        `unknown compression_training section ${key}`,
        `NxM reads sparse_pruning and weight_quantization`,
      );
    }
  }
  if (out.modules.length === 0) {
    fail(
      'compression_training',
      'neither sparse_pruning nor weight_quantization is enabled with module groups',
    );
  }
  if (!out.modules.some((m) => m.sparsity))
    warnings.push('no sparse_pruning groups: the matched modules get 2:4');
  if (!out.modules.some((m) => m.bits))
    warnings.push('no weight_quantization groups: the matched modules get INT8');
  return { config: out, warnings };
}
