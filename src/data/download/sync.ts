/**
 * Synchronous downloads for dataset constructors (`new datasets.MNIST({ download: true })` returns a ready
 * dataset, as in PyTorch). Node has no synchronous HTTP client, so the download runs in a child Node
 * process (worker.js) that the caller waits for; the child's progress bar draws on our stderr.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChecksumError, DownloadError } from '../errors.js';
import type { DownloadOptions } from './download.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * Downloads from the first mirror that works, blocking until done; same guarantees and errors as
 * `download` (verified checksum, atomic rename into place).
 *
 * @example
 * downloadSync(['http://127.0.0.1:8000/t10k-labels-idx1-ubyte.gz'], 'cache/t10k-labels-idx1-ubyte.gz', { md5: '...' });
 */
export function downloadSync(urls: string[], dest: string, options: Omit<DownloadOptions, 'progress'> & { progress?: boolean } = {}): void {
  const result = spawnSync(process.execPath, [WORKER], {
    input: JSON.stringify({ urls, dest, options }),
    stdio: ['pipe', 'pipe', options.progress === false ? 'ignore' : 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (result.error) throw new DownloadError(urls[0] ?? dest, `cannot start the download process: ${result.error.message}`);
  const line = (result.stdout ?? '').trim().split('\n').pop() ?? '';
  let out: { ok: boolean; name?: string; message?: string; url?: string; algorithm?: 'sha256' | 'md5'; expected?: string; actual?: string };
  try {
    out = JSON.parse(line);
  } catch {
    throw new DownloadError(urls[0] ?? dest, `download process failed (exit status ${result.status}, signal ${result.signal})`);
  }
  if (out.ok) return;
  if (out.name === 'ChecksumError') throw new ChecksumError(out.url!, out.algorithm!, out.expected!, out.actual!);
  const url = out.url ?? urls[0] ?? dest;
  // The child's message already starts with the URL.
  const message = out.message?.startsWith(`${url}: `) ? out.message.slice(url.length + 2) : out.message ?? 'unknown error';
  throw new DownloadError(url, message);
}
