import { appendFileSync } from 'node:fs';

/** One JSON object per line, with a timestamp; to a file, to stderr, or nowhere. */
export class JsonlLog {
  constructor(private readonly target: string | 'stderr' | 'none' = 'stderr') {}

  write(event: string, fields: Record<string, unknown> = {}): void {
    if (this.target === 'none') return;
    const line = `${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`;
    if (this.target === 'stderr') process.stderr.write(line);
    else appendFileSync(this.target, line);
  }
}
