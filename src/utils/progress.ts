/**
 * Progress of a training epoch. On a terminal: one line redrawn in place (cli-progress) with the step, loss,
 * accuracy, throughput (img/s, or seq/s for text) and ETA. Elsewhere (CI logs, pipes, files): plain lines
 * at every tenth of the epoch, because a redrawn line would land in a log as one huge line of carriage
 * returns and escape codes.
 */
import cliProgress from 'cli-progress';

/** What a step reports. */
export interface StepStats {
  /** Mean loss so far in the epoch. */
  loss: number;
  /** Accuracy so far in the epoch, in [0, 1]. */
  accuracy: number;
  /** Samples (images, sequences) seen so far in the epoch. */
  images: number;
}

/** A progress display for one epoch. */
export interface EpochProgress {
  /** After step `step` (1-based) of `total`. */
  update(step: number, stats: StepStats): void;
  /** Ends the display (the bar is cleared: the caller prints the epoch's summary line). */
  stop(): void;
}

/** The stream progress goes to; `isTTY` and `columns` decide the style, as for process.stdout. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface EpochProgressOptions {
  /** Where to draw (default process.stdout). */
  stream?: ProgressStream;
  /** The label before the counts, e.g. 'epoch 2/3'. */
  label: string;
  /** Steps in the epoch. */
  total: number;
  /** What a sample is called in the rate (default 'img': img/s; 'seq' for text gives seq/s). */
  unit?: string;
}

/** Seconds as m:ss (or h:mm:ss). @example formatDuration(75) // '1:15' */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

/** The text after the bar: step, loss, accuracy, throughput and ETA (shared by both styles). */
function describe(step: number, total: number, stats: StepStats, seconds: number, unit = 'img'): string {
  const rate = seconds > 0 ? stats.images / seconds : 0;
  const eta = step > 0 ? (seconds / step) * (total - step) : NaN;
  const width = String(total).length;
  const loss = Number.isFinite(stats.loss) ? stats.loss.toFixed(4) : '-'.repeat(6);
  const accuracy = Number.isFinite(stats.accuracy) ? (stats.accuracy * 100).toFixed(1) : '-'.repeat(4);
  return `${String(step).padStart(width)}/${total}  loss ${loss}  acc ${accuracy}%  `
    + `${Math.round(rate).toLocaleString('en-US')} ${unit}/s  ETA ${formatDuration(eta)}`;
}

/**
 * The bar on a terminal. cli-progress draws it; its redraw timer never fires inside a synchronous training
 * loop, but its `synchronousUpdate` redraws from update() itself (at most every 2 × throttle), so the
 * line still moves. The text is computed here, so the ETA is from the epoch's mean rate, not
 * cli-progress's short window, which jumps around when one step is slow.
 */
class TtyProgress implements EpochProgress {
  private readonly bar: cliProgress.SingleBar;
  private readonly start = performance.now();

  constructor(private readonly options: EpochProgressOptions, stream: ProgressStream) {
    this.bar = new cliProgress.SingleBar({
      stream: stream as NodeJS.WritableStream,
      format: `${options.label} {bar} {text}`,
      barsize: 20,
      clearOnComplete: true,
      fps: 10,
      // NOTE: no SIGINT handler (gracefulExit) and no terminal modes to restore (hidden cursor, wrapping off).
      // A signal handler only runs when the event loop gets control, i.e. after the synchronous epoch: Ctrl-C
      // would be ignored for minutes. Without one, Ctrl-C stops at once and leaves the terminal as it was.
      gracefulExit: false,
      hideCursor: false,
      // true: the line is cut at the terminal's width (a wrapped line could not be redrawn in place).
      linewrap: true,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(options.total, 0, { text: describe(0, options.total, { loss: NaN, accuracy: NaN, images: 0 }, 0, options.unit) });
  }

  update(step: number, stats: StepStats): void {
    const seconds = (performance.now() - this.start) / 1000;
    this.bar.update(step, { text: describe(step, this.options.total, stats, seconds, this.options.unit) });
  }

  stop(): void {
    this.bar.stop();
  }
}

/** Plain lines at every 10% of the epoch (and never a carriage return), for logs. */
class LineProgress implements EpochProgress {
  private readonly start = performance.now();
  private nextTenth = 1;

  constructor(private readonly options: EpochProgressOptions, private readonly stream: ProgressStream) {}

  update(step: number, stats: StepStats): void {
    const { total } = this.options;
    // The last step is left to the caller's summary line; tenths are counted so tiny epochs print each once.
    if (step >= total || step * 10 < this.nextTenth * total) return;
    while (this.nextTenth * total <= step * 10) this.nextTenth++;
    const seconds = (performance.now() - this.start) / 1000;
    this.stream.write(`${this.options.label}  ${describe(step, total, stats, seconds, this.options.unit)}\n`);
  }

  stop(): void {}
}

/**
 * A progress display for one epoch: a redrawn bar on a terminal, plain lines otherwise.
 *
 * @example
 * const progress = epochProgress({ label: 'epoch 1/3', total: loader.length });
 * progress.update(step, { loss, accuracy, images });
 * progress.stop();
 */
export function epochProgress(options: EpochProgressOptions): EpochProgress {
  const stream = options.stream ?? process.stdout;
  return stream.isTTY === true ? new TtyProgress(options, stream) : new LineProgress(options, stream);
}
