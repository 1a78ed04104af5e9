import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { engineReport } from '../../backend/engine-report.js';

/** `frugal doctor`: which backend runs, what the CPU offers, which ISA level and thread count are in use, and why not native. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description('Show the backend in use, CPU features, ISA level, threads and versions')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const report = { ...engineReport(), frugal: packageVersion() };
      if (opts.json) {
        console.log(JSON.stringify(report));
        return;
      }
      const lines = [
        ['frugal', report.frugal],
        ['node', `${report.node} (N-API ${report.napi})`],
        ['platform', `${report.platform} ${report.arch}, ${report.cores} cores`],
        ['backends tried, in order', report.backends.join(' -> ')],
        ['native addon', report.native.available ? 'loaded' : `not in use: ${report.native.reason}`],
      ];
      if (report.native.available) {
        lines.push(
          ['CPU features', report.native.features.join(' ') || '(none beyond baseline)'],
          [
            'ISA level in use',
            `${report.native.level} (detected ${report.native.detected}, compiled up to ${report.native.compiled})`,
          ],
          ['threads', `${report.native.threads} (FRUGAL_THREADS=${process.env.FRUGAL_THREADS ?? 'unset'})`],
        );
        if (process.env.FRUGAL_CPU_MAX) lines.push(['FRUGAL_CPU_MAX', process.env.FRUGAL_CPU_MAX]);
      }
      const w = Math.max(...lines.map(([k]) => k!.length));
      for (const [k, v] of lines) console.log(`${k!.padEnd(w)}  ${v}`);
    });
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
