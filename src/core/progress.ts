import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A terminal progress bar (cli-progress) when stderr is a TTY; silent otherwise, so that logs
 * and CI output stay clean. Use for anything that may run longer than a few seconds.
 */
export function startProgress(label: string, total: number, fields: readonly string[] = []): Progress {
  if (!process.stderr.isTTY || process.env.FRUGAL_NO_PROGRESS === '1') {
    return { update() {}, stop() {} };
  }
  const extra = fields.map((f) => `${f}: {${f}}`).join(' | ');
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}${extra ? ` | ${extra}` : ''}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, Object.fromEntries(fields.map((f) => [f, ''])));
  return {
    update(done, payload) {
      bar.update(done, payload);
    },
    stop() {
      bar.stop();
    },
  };
}
