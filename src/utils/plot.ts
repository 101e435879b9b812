/**
 * Training curves as SVG and PNG, without a browser: Vega-Lite compiles a declarative chart spec to Vega,
 * Vega renders it headless to SVG (pure JavaScript), and resvg (a Rust SVG renderer shipped prebuilt inside
 * its npm package) rasterises the SVG to PNG.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { atomicWrite, writeAll } from '../io/atomic.js';

/** One epoch's numbers, as the trainer writes them to metrics.jsonl. */
export interface EpochCurvePoint {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_loss: number;
  test_accuracy: number;
}

export interface TrainingChartOptions {
  /** Chart title (default 'Training'). */
  title?: string;
  /** A line under the title (default: the last epoch's test accuracy). */
  subtitle?: string;
}

// One font that Debian's fonts-dejavu-core provides, named in the SVG and given to resvg, so the text
// Vega measured is the text resvg draws (a generic 'sans-serif' resolves differently per machine).
const FONT = 'DejaVu Sans';
const SPLIT_COLORS = { range: ['#1f77b4', '#ff7f0e'], domain: ['train', 'test'] };

/**
 * The Vega-Lite spec: loss and accuracy side by side, one line per split, a point per epoch.
 *
 * @example
 * const svg = await renderSvg(trainingChartSpec(readJsonl(path) as EpochCurvePoint[], { title: 'SimpleCNN' }));
 */
export function trainingChartSpec(points: readonly EpochCurvePoint[], options: TrainingChartOptions = {}): TopLevelSpec {
  const values = points.flatMap((p) => [
    // Accuracy in percent: Vega then picks the decimals from the tick step (0.1% apart or 5% apart alike).
    { epoch: p.epoch, split: 'train', loss: p.train_loss, accuracy: p.train_accuracy * 100 },
    { epoch: p.epoch, split: 'test', loss: p.test_loss, accuracy: p.test_accuracy * 100 },
  ]);
  const last = points[points.length - 1];
  const subtitle = options.subtitle
    ?? (last ? `test accuracy ${(last.test_accuracy * 100).toFixed(2)}% after ${last.epoch} epoch${last.epoch === 1 ? '' : 's'}` : '');
  const maxEpoch = Math.max(1, ...points.map((p) => p.epoch));
  // Epochs are integers: ticks only at whole epochs, and half an epoch of room on each side so the first and
  // last points are not cut by the frame (a one-epoch run shows its points in the middle).
  const x = {
    field: 'epoch', type: 'quantitative' as const, title: 'Epoch',
    scale: { domain: [0.5, maxEpoch + 0.5], nice: false },
    axis: {
      format: 'd', grid: false,
      values: maxEpoch <= 20 ? Array.from({ length: maxEpoch }, (_, i) => i + 1) : undefined,
    },
  };
  const color = { field: 'split', type: 'nominal' as const, title: 'Split', scale: SPLIT_COLORS, sort: ['train', 'test'] };
  const panel = (field: 'loss' | 'accuracy', title: string, axisTitle: string) => ({
    title,
    width: 320,
    height: 220,
    mark: { type: 'line' as const, point: { filled: true, size: 50 }, strokeWidth: 2 },
    encoding: {
      x,
      y: {
        field, type: 'quantitative' as const, title: axisTitle,
        scale: { zero: false, padding: 8 }, // 8 px of room: points at the extremes are not cut by the frame
        axis: field === 'accuracy' ? {} : { format: '.2f' },
      },
      color,
      tooltip: [{ field: 'epoch' }, { field: 'split' }, { field, format: field === 'accuracy' ? '.2f' : '.4f' }],
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title ?? 'Training', subtitle, anchor: 'start', fontSize: 16, subtitleFontSize: 12, subtitleColor: '#555' },
    data: { values },
    hconcat: [panel('loss', 'Loss', 'Cross-entropy loss'), panel('accuracy', 'Accuracy', 'Accuracy (%)')],
    resolve: { scale: { color: 'shared' } },
    background: 'white',
    padding: 16,
    config: {
      font: FONT,
      view: { stroke: '#ddd' },
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
      legend: { orient: 'right', titleFontSize: 12, labelFontSize: 12 },
      title: { subtitlePadding: 4 },
    },
  } as TopLevelSpec;
}

/**
 * Renders a Vega-Lite spec to an SVG string, headless.
 *
 * @example
 * const svg = await renderSvg(trainingChartSpec(rows, { title: 'SimpleCNN' }));
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG to PNG bytes with resvg, at `scale` times its size (2 for sharp text on high-DPI
 * screens and in documents).
 *
 * @example
 * writeFileSync('chart.png', svgToPng(svg));
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
    background: 'white',
  });
  return resvg.render().asPng();
}

/**
 * Writes `<base>.svg` and `<base>.png` (each replaced atomically) with the loss and accuracy curves.
 *
 * @example
 * await writeTrainingCharts(readJsonl('runs/x/metrics.jsonl'), 'runs/x/metrics', { title: 'SimpleCNN' });
 */
export async function writeTrainingCharts(
  points: readonly EpochCurvePoint[], base: string, options: TrainingChartOptions = {},
): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(trainingChartSpec(points, options));
  const png = svgToPng(svg);
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  atomicWrite(paths.svg, (fd) => writeAll(fd, Buffer.from(svg, 'utf8')));
  atomicWrite(paths.png, (fd) => writeAll(fd, png));
  return paths;
}
