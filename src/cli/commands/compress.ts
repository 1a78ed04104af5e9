/**
 * `frugal compress`: compress a `frugal train` checkpoint (ZeroQuant PTQ / LKD, or XTC ternary with
 * layer reduction and distillation) and report what it cost. Each method is one entry of METHODS.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseZeroQuantConfig, type ZeroQuantConfig } from '../../compress/config.js';
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
};

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

export function register(program: Command): void {
  program
    .command('compress')
    .description(
      'Compress a trained checkpoint (ZeroQuant W8A8 / W4-8A8 with optional LKD, or XTC ternary/binary with layer reduction and distillation) and report size, quality and speed',
    )
    .addOption(
      new Option('--method <method>', 'compression method')
        .choices(Object.keys(METHODS))
        .default('zeroquant'),
    )
    .requiredOption('--checkpoint <dir>', 'the --out directory of `frugal train`')
    .requiredOption('--out <dir>', 'where the compressed checkpoint and compress.json are written')
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

Examples:
  $ frugal compress --method zeroquant --checkpoint runs/spam --out runs/spam-w8a8
  $ frugal compress --checkpoint runs/spam --out runs/spam-w4a8 --scheme w4a8-mixed --lkd-steps 100
  $ frugal compress --checkpoint runs/spam --out runs/q --config '{"weights":{"bits":4,"groupSize":64},"lkd":{"steps":200}}'
  $ frugal compress --method xtc --checkpoint runs/spam --out runs/spam-xtc --keep-layers 1,3 --steps 2000`,
    )
    .action(async (o: CompressOpts) => {
      const { report, table } = await METHODS[o.method](o);
      console.log(o.json ? JSON.stringify(report, null, 2) : table);
    });
}
