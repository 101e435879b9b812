/**
 * Downloads a file into place: streamed to a temporary file in the target's folder while its SHA-256 is
 * computed, checked against the expected digest (or the digest prefix torchvision puts in its file names),
 * then renamed over the target. A failed or interrupted download leaves no file under the target's name.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { tempPathFor, writeAll } from '../io/atomic.js';
import { HubError } from './errors.js';
import { downloadProgress } from './progress.js';

export interface DownloadOptions {
  /** The full SHA-256 (hex) the file must have. */
  sha256?: string;
  /** A prefix of the SHA-256 the file must have (torch.hub's check_hash uses the one in the file name). */
  hashPrefix?: string;
  /** Draw a progress bar on stderr (default true). */
  progress?: boolean;
}

/** torchvision's file names carry the first hex digits of their SHA-256: `resnet50-0676ba61.pth`. */
export function hashPrefixOf(fileName: string): string | null {
  const m = /-([a-f0-9]+)\./.exec(fileName);
  return m ? m[1] : null;
}

function checkUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HubError('InvalidUrl', `not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HubError('InvalidUrl', `only http and https URLs are downloaded, got ${url}`);
  }
  return parsed;
}

function checkDigest(url: string, digest: string, options: DownloadOptions): void {
  const want = options.sha256?.toLowerCase();
  if (want && digest !== want) throw new HubError('HashMismatch', `${url}: invalid hash value (expected "${want}", got "${digest}")`);
  const prefix = options.hashPrefix?.toLowerCase();
  if (prefix && !digest.startsWith(prefix)) {
    throw new HubError('HashMismatch', `${url}: invalid hash value (expected "${prefix}", got "${digest}")`);
  }
}

/**
 * Downloads `url` to `dst` (created atomically, folders made as needed), verifying the hash when given.
 *
 * @example
 * await downloadUrlToFile('https://download.pytorch.org/models/resnet18-f37072fd.pth', 'resnet18.pth', { hashPrefix: 'f37072fd' });
 */
export async function downloadUrlToFile(url: string, dst: string, options: DownloadOptions = {}): Promise<void> {
  checkUrl(url);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    throw new HubError('NetworkError', `${url}: ${(e as Error).cause ?? (e as Error).message}`);
  }
  if (!response.ok || !response.body) throw new HubError('HttpError', `${url}: HTTP ${response.status} ${response.statusText}`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  mkdirSync(dirname(dst), { recursive: true });
  const tmp = tempPathFor(dst);
  const fd = openSync(tmp, 'wx');
  const hash = createHash('sha256');
  const bar = options.progress === false ? null : downloadProgress(Number.isFinite(declared) ? declared : null);
  let received = 0, renamed = false, closed = false;
  try {
    const reader = response.body.getReader();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new HubError('NetworkError', `${url}: the connection broke after ${received} bytes (${(e as Error).message})`);
      }
      if (chunk.done) break;
      writeAll(fd, chunk.value);
      hash.update(chunk.value);
      received += chunk.value.length;
      bar?.update(received);
    }
    if (Number.isFinite(declared) && received !== declared) {
      throw new HubError('SizeMismatch', `${url}: received ${received} bytes of the ${declared} announced`);
    }
    checkDigest(url, hash.digest('hex'), options);
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(tmp, dst);
    renamed = true;
  } finally {
    bar?.stop();
    if (!closed) closeSync(fd);
    if (!renamed) {
      try { unlinkSync(tmp); } catch { /* already gone */ }
    }
  }
}
