/**
 * `npm run bench -- <name> [--json] [--quick] [args...]`: runs bench/<name>.ts, whose default
 * export is a {@link Benchmark}.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Benchmark, type BenchRow, formatTable } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['harness.ts', 'run.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

const argv = process.argv.slice(2);
const name = argv.find((a) => !a.startsWith('--'));
if (!name || !available.includes(name)) {
  console.error(
    `usage: npm run bench -- <name> [--json] [--quick] [--reps=N]\nbenchmarks: ${available.join(', ')}`,
  );
  process.exit(name ? 2 : 0);
}
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const repsFlag = argv.find((a) => a.startsWith('--reps='));
const reps = repsFlag ? Number(repsFlag.slice('--reps='.length)) : quick ? 3 : 7;
if (!Number.isInteger(reps) || reps < 1) {
  console.error(`--reps must be a positive integer, got ${repsFlag}`);
  process.exit(2);
}
const rows: BenchRow[] = [];
const mod = (await import(join(here, `${name}.ts`))) as { default: Benchmark };
await mod.default({
  args: argv.filter((a) => a !== name && a !== '--json'),
  json,
  quick,
  reps,
  emit(row) {
    const full = { bench: name, ...row };
    rows.push(full);
    if (json) console.log(JSON.stringify(full));
  },
  note(text) {
    if (!json) console.log(text);
  },
});
if (!json) console.log(formatTable(rows));
