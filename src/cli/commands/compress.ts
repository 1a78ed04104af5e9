/**
 * `frugal compress`: compress a `frugal train` checkpoint (ZeroQuant PTQ / LKD, or XTC ternary with
 * layer reduction and distillation) and report what it cost. Each method is one entry of METHODS.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseZeroQuantConfig, type ZeroQuantConfig } from '../../compress/config.js';
import { fromDeepSpeed } from '../../compress/deepspeed-config.js';
import { parseNxmConfig } from '../../compress/nxm-config.js';
import { type NxmReport, runNxm } from '../../compress/nxm-run.js';
import { findCompressedDirs, readCompressRow, reportTable, writeReportPlot } from '../../compress/report.js';
import { parseXtcConfig } from '../../compress/xtc-config.js';
import { runXtc, type XtcReport } from '../../compress/xtc-run.js';
import { runZeroQuant, type ZeroQuantReport } from '../../compress/zeroquant-run.js';
import { FrugalError } from '../../core/errors.js';

interface CompressOpts {
  method: MethodName;
  checkpoint: string;
  out: string;
  config?: string;
  scheme?: 'w8a8' | 'w4a8-mixed';
  lkdSteps?: number;
  steps?: number;
  keepLayers?: number[];
  bits?: 2 | 1;
  resume?: boolean;
  ratio?: number;
  deepspeed?: string;
  json?: boolean;
}

function readConfig(spec: string | undefined): { value: unknown; source: string } {
  if (spec === undefined) return { value: {}, source: 'config' };
  const inline = spec.trimStart().startsWith('{');
  let text = spec;
  if (!inline) {
    try {
      text = readFileSync(spec, 'utf8');
    } catch (e) {
      throw new FrugalError('E_IO', `cannot read the config file ${spec}`, {
        op: 'frugal compress',
        file: spec,
        cause: e,
      });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FrugalError('E_CONFIG', `--config is not valid JSON: ${(e as Error).message}`, {
      op: 'frugal compress',
      field: 'config',
      ...(inline ? {} : { file: spec }),
    });
  }
  return { value, source: inline ? 'config' : spec };
}

function zeroQuantTable(r: ZeroQuantReport): string {
  const f = (x: number | undefined, d = 4) => (x === undefined ? '-' : x.toFixed(d));
  const keys = [...new Set([...Object.keys(r.fp32), ...Object.keys(r.compressed)])];
  const lines = [
    `| metric | fp32 | ${r.method} |`,
    '| --- | --- | --- |',
    ...keys.map((k) => `| ${k} | ${f(r.fp32[k])} | ${f(r.compressed[k])} |`),
    `| model bytes | ${r.size.fp32Bytes} | ${r.size.compressedBytes} (${f(r.size.ratio, 2)}x smaller) |`,
    `| quantized Linear bytes | ${r.size.linearFp32Bytes} | ${r.size.linearBytes} (${f(r.size.linearFp32Bytes / r.size.linearBytes, 2)}x smaller) |`,
    `| forward ms (b${r.latency.batch} s${r.latency.seqLen}) | ${f(r.latency.fp32Ms, 1)} | ${f(r.latency.compressedMs, 1)} (${f(r.latency.ratio, 2)}x) |`,
    `| logit cosine / KL / top-1 agreement vs fp32 (${r.logits.rows} rows) | - | ${f(r.logits.cosine)} / ${r.logits.kl.toExponential(3)} / ${f(r.logits.agreement)} |`,
  ];
  return lines.join('\n');
}

function xtcTable(r: XtcReport): string {
  const f = (x: number | undefined, d = 4) => (x === undefined ? '-' : x.toFixed(d));
  const keys = [...new Set([...Object.keys(r.fp32), ...Object.keys(r.compressed)])];
  const z = r.size;
  return [
    `| metric | fp32 teacher | xtc (teacher layers [${r.keepLayers}], ${r.settings.bits}-bit) |`,
    '| --- | --- | --- |',
    ...keys.map((k) => `| ${k} | ${f(r.fp32[k])} | ${f(r.compressed[k])} |`),
    `| model bytes | ${z.fp32Bytes} | ${z.compressedBytes} (${f(z.ratio, 2)}x smaller) |`,
    `| Linear bytes | ${z.linearFp32Bytes} (student layers) | ${z.linearBytes} |`,
    `| embedding bytes | ${z.embeddingFp32Bytes} | ${z.embeddingBytes} |`,
    `| other f32 bytes | - | ${z.otherBytes} |`,
    `| forward ms (b${r.latency.batch} s${r.latency.seqLen}, interleaved) | ${f(r.latency.fp32Ms, 1)} | ${f(r.latency.compressedMs, 1)} (${f(r.latency.ratio, 2)}x) |`,
    `| logit cosine / KL / top-1 agreement vs fp32 (${r.logits.rows} rows) | - | ${f(r.logits.cosine)} / ${r.logits.kl.toExponential(3)} / ${f(r.logits.agreement)} |`,
    `| distillation | - | ${r.training.steps} steps, ${f(r.training.elapsedS, 0)} s |`,
  ].join('\n');
}

function nxmTable(r: NxmReport): string {
  const f = (x: number | undefined, d = 4) => (x === undefined ? '-' : x.toFixed(d));
  const keys = [...new Set([...Object.keys(r.fp32), ...Object.keys(r.compressed)])];
  const z = r.size;
  const specs = new Map<string, number>();
  for (const a of r.assignment) specs.set(a.spec, (specs.get(a.spec) ?? 0) + 1);
  return [
    `| metric | fp32 | nxm (${[...specs].map(([s, n]) => `${n} x ${s}`).join(', ')}) |`,
    '| --- | --- | --- |',
    ...keys.map((k) => `| ${k} | ${f(r.fp32[k])} | ${f(r.compressed[k])} |`),
    `| accuracy retained | - | ${f(r.accuracyRetained * 100, 2)}% |`,
    `| compressed Linear bytes | ${z.fp32Bytes} | ${z.valueBytes} values + ${z.scaleBytes} scales + ${z.metadataBytes} metadata |`,
    `| ratio with / without metadata | - | ${f(z.ratio.withMetadata, 2)}x / ${f(z.ratio.withoutMetadata, 2)}x |`,
    `| forward ms (b${r.latency.batch} s${r.latency.seqLen}, interleaved) | ${f(r.latency.fp32Ms, 1)} | ${f(r.latency.compressedMs, 1)} (${f(r.latency.ratio, 2)}x) |`,
    `| logit cosine / KL / top-1 agreement vs fp32 (${r.logits.rows} rows) | - | ${f(r.logits.cosine)} / ${r.logits.kl.toExponential(3)} / ${f(r.logits.agreement)} |`,
    `| training | - | ADMM ${r.train.admmSteps} + fine-tune ${r.train.finetuneSteps} steps, ${f(r.elapsedS, 0)} s in all |`,
  ].join('\n');
}

type MethodName = keyof typeof METHODS;

const say = (m: string) => process.stderr.write(`${m}\n`);

/** One entry per method: runs it from the parsed CLI options and renders its report as a table. */
const METHODS = {
  zeroquant: async (o: CompressOpts): Promise<{ report: unknown; table: string }> => {
    const { value, source } = readConfig(o.config);
    const base = parseZeroQuantConfig(value, source);
    const config: ZeroQuantConfig = {
      ...base,
      ...(o.scheme === undefined ? {} : { scheme: o.scheme }),
      ...(o.lkdSteps === undefined ? {} : { lkd: { ...(base.lkd || {}), steps: o.lkdSteps } }),
    };
    const report = await runZeroQuant({
      checkpoint: o.checkpoint,
      out: o.out,
      config: parseZeroQuantConfig(config),
      onProgress: say,
    });
    return { report, table: zeroQuantTable(report) };
  },
  xtc: async (o: CompressOpts): Promise<{ report: unknown; table: string }> => {
    const { value, source } = readConfig(o.config);
    const base = parseXtcConfig(value, source);
    const config = parseXtcConfig({
      ...base,
      ...(o.steps === undefined ? {} : { steps: o.steps }),
      ...(o.keepLayers === undefined ? {} : { keepLayers: o.keepLayers }),
      ...(o.bits === undefined ? {} : { bits: o.bits }),
    });
    const report = await runXtc({
      checkpoint: o.checkpoint,
      out: o.out,
      config,
      resume: o.resume ?? false,
      progress: !o.json,
      onProgress: say,
    });
    return { report, table: xtcTable(report) };
  },
  nxm: async (o: CompressOpts): Promise<{ report: unknown; table: string }> => {
    const { value, source } = readConfig(o.config);
    const fromDs = o.deepspeed === undefined ? {} : deepSpeedConfig(o.deepspeed);
    const config = parseNxmConfig(
      {
        ...fromDs,
        ...parseNxmConfig(value, source),
        ...(o.ratio === undefined ? {} : { ratio: o.ratio }),
      },
      source,
    );
    const report = await runNxm({
      checkpoint: o.checkpoint,
      out: o.out,
      config,
      progress: !o.json,
      onProgress: say,
    });
    return { report, table: nxmTable(report) };
  },
};

function deepSpeedConfig(file: string): Record<string, unknown> {
  const { value } = readConfig(file);
  const { config, warnings } = fromDeepSpeed(value);
  for (const w of warnings) say(`deepspeed config: ${w}`);
  return config;
}

function positiveInt(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} must be a positive integer, got "${v}"`);
    return n;
  };
}

function layerList(v: string): number[] {
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0))
    throw new InvalidArgumentError(
      `--keep-layers must be comma-separated layer indices like 1,3, got "${v}"`,
    );
  return xs;
}

async function report(dirs: string[], o: { plot?: string; json?: boolean }): Promise<void> {
  const rows = await Promise.all(findCompressedDirs(dirs).map(readCompressRow));
  if (o.plot) await writeReportPlot(o.plot, rows);
  console.log(o.json ? JSON.stringify(rows, null, 2) : reportTable(rows));
}

export function register(program: Command): void {
  const compress = program
    .command('compress')
    .description(
      'Compress a trained checkpoint (ZeroQuant W8A8 / W4-8A8 with optional LKD, XTC ternary/binary with layer reduction and distillation, or NxMiFormer N:M sparsity + INT8/INT4 with ADMM) and report size, quality and speed',
    )
    .addOption(
      new Option('--method <method>', 'compression method')
        .choices(Object.keys(METHODS))
        .default('zeroquant'),
    )
    // Checked in the action rather than by commander, which would demand them of `compress report` too.
    .option('--checkpoint <dir>', 'the --out directory of `frugal train` (required)')
    .option('--out <dir>', 'where the compressed checkpoint and compress.json are written (required)')
    .option(
      '--config <json>',
      'a JSON file, or inline JSON starting with "{" (the method\'s keys: see below)',
    )
    .addOption(
      new Option('--scheme <scheme>', 'zeroquant: shorthand for config.scheme').choices([
        'w8a8',
        'w4a8-mixed',
      ]),
    )
    .option(
      '--lkd-steps <n>',
      'zeroquant: shorthand for config.lkd.steps (turns LKD on)',
      positiveInt('--lkd-steps'),
    )
    .option('--steps <n>', 'xtc: distillation steps (config.steps)', positiveInt('--steps'))
    .option(
      '--keep-layers <list>',
      'xtc: teacher layers the student keeps, e.g. 1,3 (config.keepLayers)',
      layerList,
    )
    .addOption(
      new Option('--bits <bits>', 'xtc: 2 = ternary, 1 = binary weights (config.bits)')
        .choices(['2', '1'])
        .argParser((v) => Number(v) as 2 | 1),
    )
    .option('--resume', 'xtc: continue the distillation checkpoint in <out>/distill')
    .option(
      '--ratio <x>',
      'nxm: compression ratio to search for (config.ratio; fp32 / compressed Linear weight bytes, metadata counted)',
      (v) => {
        const x = Number(v);
        if (!(x > 1)) throw new InvalidArgumentError(`--ratio must be a number > 1, got "${v}"`);
        return x;
      },
    )
    .option(
      '--deepspeed <file>',
      "nxm: read DeepSpeed's compression_training section (sparse_pruning, weight_quantization) from this ds_config JSON",
    )
    .option('--json', 'print the report as JSON instead of a table')
    .addHelpText(
      'after',
      `
zeroquant config keys (all optional): scheme "w8a8" | "w4a8-mixed"; weights {bits 8|4|2|1, groupSize}
(2 = XTC ternary, 1 = binary, no training); activations "int8-token"; exclude [dotted paths kept f32];
lkd {steps, lr} | false; calibration {batches, batchSize} (validation split, no labels used);
eval {limit, latencyBatch}.

xtc config keys (all optional; BERT classifiers): bits 2|1 (default 2); groupSize (default: one scale
per row); keepLayers [teacher layer indices] (default every other: 1,3,...); embeddings {table: bits|false}
(default {"wordEmbeddings":2,"positionEmbeddings":2}); steps (default 1000); lr (3e-4); warmupSteps (100);
batch (16); seed (0); evalEvery; weights {logits 1, hidden 1, attention 1, labels 0, temperature 1};
eval {limit, latencyBatch}. Distillation metrics go to <out>/distill/metrics.jsonl.

nxm config keys (all optional; BERT classifiers): ratio (search a per-component N:M/bits meeting it);
countMetadata (default true); candidates ["2:4/int8","2:4/int4","1:4/int8"]; modules [{match [regex],
sparsity "N:M", bits 8|4}] (fixed specs; patterns match Frugal paths or Hugging Face names); exclude
[regex]; sensitivity {limit 128}; admm {steps 200, lr 1e-4, rho 1e-3, rhoGrowth 1.3, every 10};
finetune {steps 200, lr 5e-5}; batch (16); seed (0); eval {limit, latencyBatch}. Full schema:
src/compress/nxm-config.ts. --deepspeed maps sparse_pruning / weight_quantization groups onto modules.

Examples:
  $ frugal compress --method zeroquant --checkpoint runs/spam --out runs/spam-w8a8
  $ frugal compress --checkpoint runs/spam --out runs/spam-w4a8 --scheme w4a8-mixed --lkd-steps 100
  $ frugal compress --checkpoint runs/spam --out runs/q --config '{"weights":{"bits":4,"groupSize":64},"lkd":{"steps":200}}'
  $ frugal compress --method xtc --checkpoint runs/spam --out runs/spam-xtc --keep-layers 1,3 --steps 2000
  $ frugal compress --method nxm --checkpoint runs/spam --out runs/spam-nxm --ratio 8
  $ frugal compress --method nxm --checkpoint runs/spam --out runs/spam-ds --deepspeed ds_config.json`,
    )
    .action(async (o: CompressOpts) => {
      for (const field of ['checkpoint', 'out'] as const) {
        if (o[field] === undefined)
          throw new FrugalError('E_ARG', `--${field} <dir> is required`, {
            op: 'frugal compress',
            field,
            hint: 'frugal compress --method xtc --checkpoint runs/spam --out runs/spam-xtc (see --help)',
          });
      }
      const { report, table } = await METHODS[o.method](o);
      console.log(o.json ? JSON.stringify(report, null, 2) : table);
    });
  compress
    .command('report')
    .description(
      'Tabulate compressed checkpoints (any method) against their f32 sources; plot quality against size',
    )
    .argument('<dirs...>', '`frugal compress` output directories, or folders holding them')
    .option(
      '--plot <svg>',
      'write a labelled scatter of test accuracy (or perplexity) against checkpoint size',
    )
    .option('--json', 'print the rows as JSON instead of a table')
    .addHelpText(
      'after',
      `
Examples:
  $ frugal compress report runs/spam-w8a8 runs/spam-xtc
  $ frugal compress report runs/compressed --plot accuracy-vs-size.svg   # every run under the folder`,
    )
    // compress's own --json is parsed wherever it appears, so read the options of both levels.
    .action((dirs: string[], _o: unknown, cmd: Command) =>
      report(dirs, cmd.optsWithGlobals<{ plot?: string; json?: boolean }>()),
    );
}
