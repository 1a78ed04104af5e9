/**
 * `npm run bench -- <name> [--json] [--quick] [--reps=N] [--busy] [args...]`: runs
 * bench/<name>.ts, whose default export is a {@link Benchmark}. `--busy` keeps one core busy with
 * a spinning child process for the whole run (a shared machine, made reproducible); its rows' cases
 * end in " busy".
 */
import { spawn } from 'node:child_process';
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
    `usage: npm run bench -- <name> [--json] [--quick] [--reps=N] [--busy]\nbenchmarks: ${available.join(', ')}`,
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
const busy = argv.includes('--busy');
const spinner = busy ? spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }) : undefined;
process.on('exit', () => spinner?.kill());
const rows: BenchRow[] = [];
const mod = (await import(join(here, `${name}.ts`))) as { default: Benchmark };
await mod.default({
  args: argv.filter((a) => a !== name && a !== '--json' && a !== '--busy'),
  json,
  quick,
  reps,
  emit(row) {
    const full = { bench: name, ...row, ...(busy ? { case: `${row.case} busy` } : {}) };
    rows.push(full);
    if (json) console.log(JSON.stringify(full));
  },
  note(text) {
    if (!json) console.log(text);
  },
});
spinner?.kill();
if (!json) console.log(formatTable(rows));
