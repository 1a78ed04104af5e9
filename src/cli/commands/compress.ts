/** `frugal compress`: quantize a `frugal train` checkpoint (ZeroQuant) and report what it cost. */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseZeroQuantConfig, type ZeroQuantConfig } from '../../compress/config.js';
import { runZeroQuant, type ZeroQuantReport } from '../../compress/zeroquant-run.js';
import { FrugalError } from '../../core/errors.js';

interface CompressOpts {
  method: 'zeroquant';
  checkpoint: string;
  out: string;
  config?: string;
  scheme?: 'w8a8' | 'w4a8-mixed';
  lkdSteps?: number;
  json?: boolean;
}

function readConfig(spec: string | undefined): ZeroQuantConfig {
  if (spec === undefined) return {};
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
  return parseZeroQuantConfig(value, inline ? 'config' : spec);
}

function table(r: ZeroQuantReport): string {
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

export function register(program: Command): void {
  program
    .command('compress')
    .description(
      'Quantize a trained checkpoint (ZeroQuant W8A8 or W4/8-A8, optional LKD) and report size, quality and speed',
    )
    .addOption(
      new Option('--method <method>', 'compression method').choices(['zeroquant']).default('zeroquant'),
    )
    .requiredOption('--checkpoint <dir>', 'the --out directory of `frugal train`')
    .requiredOption('--out <dir>', 'where the compressed checkpoint and compress.json are written')
    .option('--config <json>', 'a JSON file, or inline JSON starting with "{" (keys: see below)')
    .addOption(new Option('--scheme <scheme>', 'shorthand for config.scheme').choices(['w8a8', 'w4a8-mixed']))
    .option('--lkd-steps <n>', 'shorthand for config.lkd.steps (turns LKD on)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError(`--lkd-steps must be a positive integer, got "${v}"`);
      return n;
    })
    .option('--json', 'print the report as JSON instead of a table')
    .addHelpText(
      'after',
      `
Config keys (all optional): scheme "w8a8" | "w4a8-mixed"; weights {bits 8|4|2|1, groupSize}
(2 = XTC ternary, 1 = binary);
activations "int8-token"; exclude [dotted paths kept f32]; lkd {steps, lr} | false;
calibration {batches, batchSize} (validation split, no labels used); eval {limit, latencyBatch}.

Examples:
  $ frugal compress --method zeroquant --checkpoint runs/spam --out runs/spam-w8a8
  $ frugal compress --checkpoint runs/spam --out runs/spam-w4a8 --scheme w4a8-mixed --lkd-steps 100
  $ frugal compress --checkpoint runs/spam --out runs/q --config '{"weights":{"bits":4,"groupSize":64},"lkd":{"steps":200}}'`,
    )
    .action(async (o: CompressOpts) => {
      const base = readConfig(o.config);
      const config: ZeroQuantConfig = {
        ...base,
        ...(o.scheme === undefined ? {} : { scheme: o.scheme }),
        ...(o.lkdSteps === undefined ? {} : { lkd: { ...(base.lkd || {}), steps: o.lkdSteps } }),
      };
      const report = await runZeroQuant({
        checkpoint: o.checkpoint,
        out: o.out,
        config: parseZeroQuantConfig(config),
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      console.log(o.json ? JSON.stringify(report, null, 2) : table(report));
    });
}
