/**
 * The progress of a download on stderr: a cli-progress bar with megabytes and speed on a terminal, and
 * nothing elsewhere but one line when it starts (logs should not fill with redrawn bars).
 */
import cliProgress from 'cli-progress';

export interface DownloadProgress {
  update(bytes: number): void;
  stop(): void;
}

const MB = 1024 * 1024;

/** A bar for a download of `total` bytes (null when the server did not say). */
export function downloadProgress(total: number | null, stream: NodeJS.WriteStream = process.stderr): DownloadProgress {
  if (!stream.isTTY) {
    stream.write(`downloading${total === null ? '' : ` ${(total / MB).toFixed(1)} MB`}\n`);
    return { update: () => undefined, stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar({
    stream,
    format: total === null ? '{value_mb} MB  {speed} MB/s' : '{bar} {percentage}%  {value_mb}/{total_mb} MB  {speed} MB/s',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
  });
  const start = performance.now();
  const payload = (bytes: number) => ({
    value_mb: (bytes / MB).toFixed(1),
    total_mb: total === null ? '?' : (total / MB).toFixed(1),
    speed: (bytes / MB / Math.max((performance.now() - start) / 1000, 1e-3)).toFixed(1),
  });
  bar.start(total ?? 0, 0, payload(0));
  return {
    update: (bytes) => bar.update(bytes, payload(bytes)),
    stop: () => bar.stop(),
  };
}
