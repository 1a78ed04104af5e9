import type { SafimResult } from './safim-run.js';

/** One cell of the score table: a model on one split and language. */
export interface SafimRow {
  bench: 'safim';
  case: string;
  impl: string;
  metric: 'pass_rate';
  value: number | null;
  unit: '%';
  passed: number;
  scored: number;
  skipped: number;
}

/**
 * Pass rates per model, split and language. Skipped examples (no toolchain) are left out of the
 * rate; a cell with nothing scored has rate null, never 0.
 */
export function summarizeSafim(results: readonly SafimResult[]): SafimRow[] {
  const cells = new Map<string, SafimRow>();
  for (const r of results) {
    const k = `${r.model}\u0000${r.split} ${r.lang}`;
    let row = cells.get(k);
    if (!row) {
      row = {
        bench: 'safim',
        case: `${r.split} ${r.lang}`,
        impl: r.model,
        metric: 'pass_rate',
        value: null,
        unit: '%',
        passed: 0,
        scored: 0,
        skipped: 0,
      };
      cells.set(k, row);
    }
    if (r.verdict === 'skipped') row.skipped++;
    else {
      row.scored++;
      if (r.passed) row.passed++;
    }
  }
  const order = ['block', 'control', 'api'];
  const langs = ['python', 'java', 'cpp', 'csharp'];
  const rank = (c: string) => {
    const [s, l] = c.split(' ');
    return order.indexOf(s) * 10 + langs.indexOf(l);
  };
  return [...cells.values()]
    .map((row) => ({ ...row, value: row.scored > 0 ? (100 * row.passed) / row.scored : null }))
    .sort((a, b) => a.impl.localeCompare(b.impl) || rank(a.case) - rank(b.case));
}

/** A Markdown table of the rows, for terminals and READMEs. */
export function formatSafimTable(rows: readonly SafimRow[]): string {
  const lines = [
    '| model | split | lang | pass@1 | passed / scored | skipped |',
    '| --- | --- | --- | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const [split, lang] = r.case.split(' ');
    const rate = r.value === null ? 'skipped' : `${r.value.toFixed(1)}%`;
    lines.push(`| ${r.impl} | ${split} | ${lang} | ${rate} | ${r.passed} / ${r.scored} | ${r.skipped} |`);
  }
  return lines.join('\n');
}
