/** A download progress bar on stderr (redrawn in place on a terminal, start and end lines elsewhere). */

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** What ProgressBar writes to: process.stderr by default, any stream in tests. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Shows `label`, bytes done, total and rate. Redraws at most 10 times a second.
 *
 * @example
 * const bar = new ProgressBar('mnist.gz', 9912422); bar.update(4096); bar.finish();
 */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly start = Date.now();
  private finished = false;

  constructor(
    private readonly label: string, private readonly total: number | null, private readonly stream: ProgressStream = process.stderr,
  ) {
    if (!this.stream.isTTY) this.stream.write(`Downloading ${label}${total ? ` (${formatBytes(total)})` : ''}\n`);
  }

  update(bytes: number): void {
    this.done += bytes;
    const now = Date.now();
    if (this.stream.isTTY && now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  private line(now: number): string {
    const seconds = Math.max((now - this.start) / 1000, 1e-3);
    const rate = `${formatBytes(Math.round(this.done / seconds))}/s`;
    if (!this.total) return `${this.label} ${formatBytes(this.done)} ${rate}`;
    const frac = Math.min(this.done / this.total, 1);
    const width = 30;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    return `${this.label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${formatBytes(this.done)}/${formatBytes(this.total)} ${rate}`;
  }

  private draw(now: number): void {
    this.stream.write(`\r${this.line(now)}\x1b[K`);
  }

  /** Final state; `ok` false prints nothing more than a newline on a terminal. */
  finish(ok = true): void {
    if (this.finished) return;
    this.finished = true;
    const now = Date.now();
    if (this.stream.isTTY) {
      if (ok) this.draw(now);
      this.stream.write('\n');
    } else if (ok) {
      this.stream.write(`${this.line(now)}\n`);
    }
  }
}
