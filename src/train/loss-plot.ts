import { readFile } from 'node:fs/promises';
import { writeLinePlotSvg } from '../core/plot.js';

// Train loss is logged every step; averaging it into this many points keeps the plot readable.
const TRAIN_POINTS = 150;

/** Validation and (window-averaged) train loss against wall time, from a run's metrics.jsonl. */
export async function writeLossPlot(metricsFile: string, svgFile: string, title: string): Promise<void> {
  const rows = (await readFile(metricsFile, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const train = rows.filter((r) => r.event === 'train' && typeof r.loss === 'number');
  const window = Math.max(1, Math.ceil(train.length / TRAIN_POINTS));
  const points: Record<string, string | number>[] = [];
  for (let i = 0; i < train.length; i += window) {
    const chunk = train.slice(i, i + window);
    const mean = chunk.reduce((s, r) => s + (r.loss as number), 0) / chunk.length;
    points.push({ seconds: chunk.at(-1)!.elapsed_s as number, loss: mean, split: 'train' });
  }
  for (const r of rows)
    if (r.event === 'eval' && typeof r.val_loss === 'number')
      points.push({ seconds: r.elapsed_s as number, loss: r.val_loss, split: 'validation' });
  await writeLinePlotSvg(svgFile, {
    title,
    x: { field: 'seconds', title: 'wall time (s)' },
    y: { field: 'loss', title: 'cross-entropy (nats/token)' },
    series: 'split',
    rows: points,
  });
}
