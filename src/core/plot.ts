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
  /** Field written as text beside each point (labelled scatter plots). */
  label?: string;
}

/** Renders a Vega-Lite line/scatter chart to an SVG string (no browser or canvas needed). */
export async function renderLinePlotSvg(plot: LinePlot): Promise<string> {
  const encoding = {
    x: {
      field: plot.x.field,
      type: 'quantitative' as const,
      title: plot.x.title,
      scale: plot.x.log ? { type: 'log' as const } : { zero: false },
    },
    y: {
      field: plot.y.field,
      type: 'quantitative' as const,
      title: plot.y.title,
      scale: plot.y.log ? { type: 'log' as const } : { zero: false },
    },
    ...(plot.series ? { color: { field: plot.series, type: 'nominal' as const } } : {}),
  };
  const mark = plot.pointsOnly
    ? { type: 'point' as const, filled: true }
    : { type: 'line' as const, point: true };
  const head = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: plot.title,
    width: 560,
    height: 340,
    data: { values: plot.rows as Record<string, string | number>[] },
  };
  const spec: TopLevelSpec = plot.label
    ? {
        ...head,
        layer: [
          { mark, encoding },
          {
            mark: { type: 'text', align: 'left', dx: 6, dy: -6, fontSize: 10 },
            encoding: { x: encoding.x, y: encoding.y, text: { field: plot.label, type: 'nominal' } },
          },
        ],
      }
    : { ...head, mark, encoding };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Renders a chart and writes it atomically to `path` (SVG). */
export async function writeLinePlotSvg(path: string, plot: LinePlot): Promise<void> {
  await writeFileAtomic(path, await renderLinePlotSvg(plot));
}
