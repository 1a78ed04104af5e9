/**
 * `frugal compress report`: one row per compressed checkpoint (read from its compress.json, any
 * method) — size against the f32 source, task quality of both, logit agreement — as a table, and
 * a labelled scatter plot of quality against size with the f32 sources as reference points.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FrugalError } from '../core/errors.js';
import { writeLinePlotSvg } from '../core/plot.js';
import { COMPRESS_FILE } from './checkpoint.js';

export interface CompressRow {
  dir: string;
  name: string;
  method: string;
  source: string;
  task: string;
  /** 'accuracy' (classify) or 'perplexity' (lm). */
  metric: string;
  fp32Value: number;
  value: number;
  fp32Bytes: number;
  compressedBytes: number;
  ratio: number;
  logitCosine: number | undefined;
  agreement: number | undefined;
  latencyRatio: number | undefined;
}

/** The given directories, each replaced by its compressed subdirectories when it has no compress.json itself. */
export function findCompressedDirs(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (existsSync(join(d, COMPRESS_FILE))) {
      out.push(d);
      continue;
    }
    const subs = existsSync(d) && statSync(d).isDirectory() ? readdirSync(d).sort() : [];
    const found = subs.map((s) => join(d, s)).filter((s) => existsSync(join(s, COMPRESS_FILE)));
    if (found.length === 0) {
      throw new FrugalError(
        'E_IO',
        `${d} holds no compressed checkpoint (no ${COMPRESS_FILE} in it or below it)`,
        {
          op: 'frugal compress report',
          file: d,
          hint: 'pass --out directories of `frugal compress`, or a folder that contains them',
        },
      );
    }
    out.push(...found);
  }
  return out;
}

interface Report {
  method?: string;
  task?: string;
  checkpoint?: string;
  size?: { fp32Bytes?: number; compressedBytes?: number };
  fp32?: Record<string, number>;
  compressed?: Record<string, number>;
  logits?: { cosine?: number; agreement?: number };
  latency?: { ratio?: number };
}

export async function readCompressRow(dir: string): Promise<CompressRow> {
  const file = join(dir, COMPRESS_FILE);
  let doc: { report?: Report };
  try {
    doc = JSON.parse(await readFile(file, 'utf8')) as { report?: Report };
  } catch (e) {
    throw new FrugalError('E_IO', `cannot read ${file}`, { op: 'frugal compress report', file, cause: e });
  }
  const r = doc.report ?? {};
  const metric = r.task === 'lm' ? 'perplexity' : 'accuracy';
  const fp32Value = r.fp32?.[metric];
  const value = r.compressed?.[metric];
  const fp32Bytes = r.size?.fp32Bytes;
  const compressedBytes = r.size?.compressedBytes;
  if (
    fp32Value === undefined ||
    value === undefined ||
    fp32Bytes === undefined ||
    compressedBytes === undefined ||
    r.method === undefined
  ) {
    throw new FrugalError(
      'E_IO',
      `${file} has no complete report (method, size, fp32 and compressed ${metric})`,
      {
        op: 'frugal compress report',
        file,
        hint: 'write the directory again with `frugal compress`',
      },
    );
  }
  return {
    dir,
    name: basename(dir),
    method: r.method,
    source: r.checkpoint ?? 'unknown',
    task: r.task ?? 'classify',
    metric,
    fp32Value,
    value,
    fp32Bytes,
    compressedBytes,
    ratio: fp32Bytes / compressedBytes,
    logitCosine: r.logits?.cosine,
    agreement: r.logits?.agreement,
    latencyRatio: r.latency?.ratio,
  };
}

export function reportTable(rows: readonly CompressRow[]): string {
  const f = (x: number | undefined, d: number) => (x === undefined ? '-' : x.toFixed(d));
  const pct = (r: CompressRow, x: number) => (r.metric === 'accuracy' ? f(100 * x, 2) : f(x, 3));
  return [
    '| run | method | metric | fp32 | compressed | difference | size (MB) | smaller | logit cosine | top-1 agreement | latency vs fp32 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.method} | ${r.metric === 'accuracy' ? 'accuracy %' : r.metric} | ${pct(r, r.fp32Value)} | ${pct(r, r.value)} | ${r.metric === 'accuracy' ? f(100 * (r.value - r.fp32Value), 2) : f(r.value - r.fp32Value, 3)} | ${f(r.compressedBytes / 1e6, 3)} | ${f(r.ratio, 2)}x | ${f(r.logitCosine, 4)} | ${f(r.agreement, 4)} | ${f(r.latencyRatio, 2)}x |`,
    ),
  ].join('\n');
}

/** Quality against size (MB, log scale), one labelled point per run plus each f32 source. */
export async function writeReportPlot(path: string, rows: readonly CompressRow[]): Promise<void> {
  const metric = rows[0]?.metric ?? 'accuracy';
  const scale = metric === 'accuracy' ? 100 : 1;
  const sources = new Map<string, CompressRow>();
  for (const r of rows) if (!sources.has(r.source)) sources.set(r.source, r);
  const points = [
    ...[...sources.values()].map((r) => ({
      label: `fp32 ${basename(r.source)}`,
      method: 'fp32',
      mb: r.fp32Bytes / 1e6,
      quality: scale * r.fp32Value,
    })),
    ...rows.map((r) => ({
      label: r.name,
      method: r.method,
      mb: r.compressedBytes / 1e6,
      quality: scale * r.value,
    })),
  ];
  await writeLinePlotSvg(path, {
    title: `${metric === 'accuracy' ? 'Test accuracy' : 'Perplexity'} against checkpoint size`,
    x: { field: 'mb', title: 'checkpoint size (MB, log scale)', log: true },
    y: { field: 'quality', title: metric === 'accuracy' ? 'test accuracy (%)' : 'perplexity' },
    series: 'method',
    label: 'label',
    pointsOnly: true,
    rows: points,
  });
}
