import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from './atomic-write.js';

export interface LinePlot {
  title: string;
  x: { field: string; title: string; log?: boolean };
  y: { field: string; title: string; log?: boolean };
  /** Field whose values become one line (and colour) each. */
  series?: string;
  rows: readonly Record<string, string | number>[];
  /** Draw points only, for scatter plots. */
  pointsOnly?: boolean;
}

/** Renders a Vega-Lite line/scatter chart to an SVG string (no browser or canvas needed). */
export async function renderLinePlotSvg(plot: LinePlot): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: plot.title,
    width: 560,
    height: 340,
    data: { values: plot.rows as Record<string, string | number>[] },
    mark: plot.pointsOnly ? { type: 'point', filled: true } : { type: 'line', point: true },
    encoding: {
      x: {
        field: plot.x.field,
        type: 'quantitative',
        title: plot.x.title,
        scale: plot.x.log ? { type: 'log' } : { zero: false },
      },
      y: {
        field: plot.y.field,
        type: 'quantitative',
        title: plot.y.title,
        scale: plot.y.log ? { type: 'log' } : { zero: false },
      },
      ...(plot.series ? { color: { field: plot.series, type: 'nominal' as const } } : {}),
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Renders a chart and writes it atomically to `path` (SVG). */
export async function writeLinePlotSvg(path: string, plot: LinePlot): Promise<void> {
  await writeFileAtomic(path, await renderLinePlotSvg(plot));
}
