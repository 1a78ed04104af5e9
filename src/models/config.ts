/**
 * Model configurations: the three architectures' fields, the named presets, and resolveConfig,
 * which turns a name, a JSON file or an object (plus overrides) into a validated config.
 */
import { readFileSync } from 'node:fs';
import { FrugalError } from '../core/errors.js';

export interface BertConfig {
  arch: 'bert';
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  typeVocabSize: number;
  numLabels: number;
  dropout: number;
  layerNormEps: number;
  /** What the classifier reads: the [CLS] state (default) or the mean over unmasked tokens. */
  pooling?: 'cls' | 'mean';
}

export interface LlamaConfig {
  arch: 'llama';
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  maxPositions: number;
  ropeTheta: number;
  rmsNormEps: number;
  tieEmbeddings: boolean;
}

export interface T5Config {
  arch: 't5';
  vocabSize: number;
  hidden: number;
  layers: number;
  decoderLayers: number;
  heads: number;
  headDim: number;
  ff: number;
  relativeBuckets: number;
  relativeMaxDistance: number;
  dropout: number;
  layerNormEps: number;
  /** 'relu' (original T5) or 'gated-gelu' (T5 v1.1); default 'relu'. */
  ffActivation?: 'relu' | 'gated-gelu';
  /** Tie the lm head to the shared embedding, scaling by hidden^-0.5 (original T5); default true. */
  tieEmbeddings?: boolean;
}

export type ModelConfig = BertConfig | LlamaConfig | T5Config;
export type Arch = ModelConfig['arch'];

const DEFAULT_VOCAB = 8192;

function bert(layers: number, hidden: number, heads: number, intermediate: number): BertConfig {
  return {
    arch: 'bert',
    vocabSize: DEFAULT_VOCAB,
    hidden,
    layers,
    heads,
    intermediate,
    maxPositions: 512,
    typeVocabSize: 2,
    numLabels: 2,
    dropout: 0.1,
    layerNormEps: 1e-12,
  };
}

function llama(layers: number, hidden: number, heads: number, kvHeads: number, inter: number): LlamaConfig {
  return {
    arch: 'llama',
    vocabSize: DEFAULT_VOCAB,
    hidden,
    layers,
    heads,
    kvHeads,
    intermediate: inter,
    maxPositions: 1024,
    ropeTheta: 10000,
    rmsNormEps: 1e-5,
    tieEmbeddings: true,
  };
}

export const NAMED_CONFIGS: Readonly<Record<string, ModelConfig>> = {
  'bert-tiny': bert(2, 128, 2, 512),
  'bert-mini': bert(4, 256, 4, 1024),
  'bert-small': bert(4, 512, 8, 2048),
  'bert-base': bert(12, 768, 12, 3072),
  // SwiGLU width ≈ 8/3·hidden rounded to a multiple of 16, as Llama does.
  'llama-tiny': llama(4, 256, 8, 2, 688),
  'llama-small': llama(8, 512, 8, 4, 1376),
  't5-tiny': {
    arch: 't5',
    vocabSize: DEFAULT_VOCAB,
    hidden: 256,
    layers: 4,
    decoderLayers: 4,
    heads: 4,
    headDim: 64,
    ff: 1024,
    relativeBuckets: 32,
    relativeMaxDistance: 128,
    dropout: 0.1,
    layerNormEps: 1e-6,
    ffActivation: 'relu',
    tieEmbeddings: true,
  },
};

/** The preset an object spec of that arch is completed from. */
const ARCH_DEFAULTS: Record<Arch, string> = { bert: 'bert-tiny', llama: 'llama-tiny', t5: 't5-tiny' };

type FieldKind = 'int' | 'prob' | 'positive' | 'bool' | 'ffActivation' | 'pooling';

const FIELDS: Record<Arch, Record<string, FieldKind>> = {
  bert: {
    vocabSize: 'int',
    hidden: 'int',
    layers: 'int',
    heads: 'int',
    intermediate: 'int',
    maxPositions: 'int',
    typeVocabSize: 'int',
    numLabels: 'int',
    dropout: 'prob',
    layerNormEps: 'positive',
    pooling: 'pooling',
  },
  llama: {
    vocabSize: 'int',
    hidden: 'int',
    layers: 'int',
    heads: 'int',
    kvHeads: 'int',
    intermediate: 'int',
    maxPositions: 'int',
    ropeTheta: 'positive',
    rmsNormEps: 'positive',
    tieEmbeddings: 'bool',
  },
  t5: {
    vocabSize: 'int',
    hidden: 'int',
    layers: 'int',
    decoderLayers: 'int',
    heads: 'int',
    headDim: 'int',
    ff: 'int',
    relativeBuckets: 'int',
    relativeMaxDistance: 'int',
    dropout: 'prob',
    layerNormEps: 'positive',
    ffActivation: 'ffActivation',
    tieEmbeddings: 'bool',
  },
};

const OPTIONAL = new Set(['bert.pooling', 't5.ffActivation', 't5.tieEmbeddings']);

function configError(message: string, field: string, file: string | undefined, hint?: string): FrugalError {
  return new FrugalError('E_CONFIG', message, {
    op: 'resolveConfig',
    field,
    ...(file === undefined ? {} : { file }),
    ...(hint === undefined ? {} : { hint }),
  });
}

const CHECKS: Record<FieldKind, readonly [(v: unknown) => boolean, string]> = {
  int: [(v) => Number.isInteger(v) && (v as number) > 0, 'a positive integer'],
  prob: [(v) => typeof v === 'number' && v >= 0 && v < 1, 'a number in [0, 1)'],
  positive: [(v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a positive number'],
  bool: [(v) => typeof v === 'boolean', 'true or false'],
  ffActivation: [(v) => v === 'relu' || v === 'gated-gelu', "'relu' or 'gated-gelu'"],
  pooling: [(v) => v === 'cls' || v === 'mean', "'cls' or 'mean'"],
};

function checkField(arch: Arch, field: string, kind: FieldKind, v: unknown, file: string | undefined): void {
  const [ok, want] = CHECKS[kind];
  if (!ok(v)) {
    throw configError(`${arch} config field ${field} must be ${want}, got ${JSON.stringify(v)}`, field, file);
  }
}

function checkDivides(a: string, av: number, b: string, bv: number, file: string | undefined): void {
  if (av % bv !== 0) {
    throw configError(`${a} (${av}) must be a multiple of ${b} (${bv})`, b, file, `change ${a} or ${b}`);
  }
}

/** Checks every field of a complete config object; throws E_CONFIG naming the first bad field. */
export function validateConfig(raw: Record<string, unknown>, file?: string): ModelConfig {
  const arch = raw.arch;
  if (arch !== 'bert' && arch !== 'llama' && arch !== 't5') {
    throw configError(`unknown arch ${JSON.stringify(arch)}`, 'arch', file, "use 'bert', 'llama' or 't5'");
  }
  const fields = FIELDS[arch];
  for (const key of Object.keys(raw)) {
    if (key !== 'arch' && !(key in fields)) {
      throw configError(
        `unknown ${arch} config field ${key}`,
        key,
        file,
        `known fields: ${Object.keys(fields).join(', ')}`,
      );
    }
  }
  for (const [field, kind] of Object.entries(fields)) {
    const v = raw[field];
    if (v === undefined) {
      if (OPTIONAL.has(`${arch}.${field}`)) continue;
      throw configError(`${arch} config is missing field ${field}`, field, file);
    }
    checkField(arch, field, kind, v, file);
  }
  const c = raw as unknown as ModelConfig;
  if (c.arch !== 't5') checkDivides('hidden', c.hidden, 'heads', c.heads, file);
  if (c.arch === 'llama') {
    checkDivides('heads', c.heads, 'kvHeads', c.kvHeads, file);
    if ((c.hidden / c.heads) % 2 !== 0) {
      throw configError(
        `head dim hidden/heads = ${c.hidden / c.heads} must be even for rotary embeddings`,
        'heads',
        file,
      );
    }
  }
  return { ...c };
}

function readJsonConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FrugalError('E_CONFIG', `no named config and no readable file called ${path}`, {
      op: 'resolveConfig',
      file: path,
      hint: `named configs: ${Object.keys(NAMED_CONFIGS).join(', ')}`,
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new FrugalError('E_CONFIG', 'the config file is not valid JSON', {
      op: 'resolveConfig',
      file: path,
      cause,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FrugalError('E_CONFIG', 'the config file must hold a JSON object', {
      op: 'resolveConfig',
      file: path,
    });
  }
  return parsed as Record<string, unknown>;
}

/**
 * A validated config from a preset name, a path to a JSON file, or an object. Files and objects
 * may be partial: missing fields come from the arch's smallest preset. `overrides` apply last.
 */
export function resolveConfig(
  spec: string | Partial<ModelConfig>,
  overrides: Record<string, unknown> = {},
): ModelConfig {
  let file: string | undefined;
  let base: Record<string, unknown>;
  if (typeof spec === 'string') {
    const named = NAMED_CONFIGS[spec];
    if (named) base = { ...named };
    else {
      file = spec;
      base = readJsonConfig(spec);
    }
  } else base = { ...spec };
  const merged = { ...base, ...overrides };
  const arch = merged.arch;
  if (arch === 'bert' || arch === 'llama' || arch === 't5') {
    const defaults = NAMED_CONFIGS[ARCH_DEFAULTS[arch]] as unknown as Record<string, unknown>;
    return validateConfig({ ...defaults, ...merged }, file);
  }
  return validateConfig(merged, file);
}
