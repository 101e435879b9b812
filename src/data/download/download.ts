/**
 * Downloads over http/https into a cache, verified and atomic: the body streams into a temporary file in
 * the destination folder while it is hashed; the file is fsynced, checked against the published SHA-256
 * (or MD5), and only then renamed over the destination (and the folder fsynced). A failed or interrupted
 * download never leaves a partial file under the final name.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ChecksumError, DownloadError } from '../errors.js';
import { ProgressBar, type ProgressStream } from './progress.js';

/** The expected digest of a file (hex); SHA-256 is checked when both are given. */
export interface Checksum {
  sha256?: string;
  md5?: string;
}

export interface DownloadOptions extends Checksum {
  /** Progress bar on stderr (default true); false for none, or a stream to draw on. */
  progress?: boolean | ProgressStream;
  /** Abort when the connection is silent this long (default 60 s). */
  timeoutMs?: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

function tempName(dest: string): string {
  return `${dirname(dest)}/.${basename(dest)}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.part`;
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every file system allows fsync on a folder; the rename is atomic regardless.
  }
}

/**
 * Hex digest of a file with the given algorithm.
 *
 * @example
 * fileDigest('data/t10k-labels-idx1-ubyte.gz', 'sha256');
 */
export function fileDigest(path: string, algorithm: 'sha256' | 'md5'): string {
  const hash = createHash(algorithm);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * True when the file's digest matches the checksum (or no checksum is given).
 *
 * @example
 * if (!checkFile(path, { md5: 'ec29112dd5afa0611ce80d1b7f02629c' })) rmSync(path);
 */
export function checkFile(path: string, checksum: Checksum): boolean {
  if (checksum.sha256) return fileDigest(path, 'sha256') === checksum.sha256.toLowerCase();
  if (checksum.md5) return fileDigest(path, 'md5') === checksum.md5.toLowerCase();
  return true;
}

function get(url: string, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new DownloadError(url, 'not a valid URL'));
      return;
    }
    const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : null;
    if (!client) {
      reject(new DownloadError(url, `unsupported protocol ${parsed.protocol} (http and https only)`));
      return;
    }
    const req = client.get(parsed, { headers: { 'user-agent': 'antorcha', 'accept-encoding': 'identity' } }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new DownloadError(url, `no data for ${timeoutMs} ms`)));
    req.on('error', (e) => reject(e instanceof DownloadError ? e : new DownloadError(url, e.message)));
  });
}

/**
 * Downloads `url` to `dest` (creating its folder), verifying the checksum before the file appears.
 * Throws DownloadError (network, HTTP status, truncated body) or ChecksumError; either way `dest` is
 * untouched and no temporary file is left behind.
 *
 * @example
 * await download('https://example.org/train-images-idx3-ubyte.gz', 'data/train-images-idx3-ubyte.gz',
 *   { sha256: '...' });
 */
export async function download(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let maxRedirects = options.maxRedirects ?? 5;
  let current = url;
  let res: http.IncomingMessage;
  for (;;) {
    res = await get(current, timeoutMs);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (maxRedirects-- <= 0) throw new DownloadError(url, 'too many redirects');
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new DownloadError(current, `HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}`);
    }
    break;
  }

  mkdirSync(dirname(dest), { recursive: true });
  const tmp = tempName(dest);
  const fd = openSync(tmp, 'wx', 0o644);
  const algorithm = options.sha256 ? 'sha256' : options.md5 ? 'md5' : null;
  const hash = algorithm ? createHash(algorithm) : null;
  const lengthHeader = Number(res.headers['content-length']);
  const total = Number.isFinite(lengthHeader) && lengthHeader > 0 ? lengthHeader : null;
  const progress = options.progress ?? true;
  const bar = progress === false ? null : new ProgressBar(basename(dest), total, progress === true ? process.stderr : progress);
  let received = 0;
  let closed = false;
  const cleanup = (): void => {
    if (!closed) {
      closed = true;
      closeSync(fd);
    }
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  };

  try {
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        try {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        } catch (e) {
          res.destroy();
          reject(new DownloadError(current, `cannot write ${tmp}: ${(e as Error).message}`));
          return;
        }
        hash?.update(chunk);
        received += chunk.length;
        bar?.update(chunk.length);
      });
      res.on('end', resolve);
      res.on('aborted', () => reject(new DownloadError(current, 'connection closed before the end of the body')));
      res.on('error', (e) => reject(new DownloadError(current, e.message)));
      res.setTimeout?.(timeoutMs, () => res.destroy(new Error(`no data for ${timeoutMs} ms`)));
    });
    if (total !== null && received !== total) {
      throw new DownloadError(current, `body has ${received} bytes but Content-Length said ${total}`);
    }
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    if (hash && algorithm) {
      const actual = hash.digest('hex');
      const expected = (options.sha256 ?? options.md5)!.toLowerCase();
      if (actual !== expected) throw new ChecksumError(current, algorithm, expected, actual);
    }
    renameSync(tmp, dest);
    fsyncDir(dirname(dest));
    bar?.finish(true);
  } catch (e) {
    bar?.finish(false);
    cleanup();
    throw e;
  }
}

/**
 * Tries each mirror in turn; a checksum mismatch on one mirror moves on to the next as well. Throws the
 * last error when every mirror failed.
 *
 * @example
 * await downloadFromMirrors(['https://a.example/f.gz', 'https://b.example/f.gz'], 'cache/f.gz', { md5: '...' });
 */
export async function downloadFromMirrors(urls: string[], dest: string, options: DownloadOptions = {}): Promise<void> {
  let last: unknown = new DownloadError(dest, 'no URL to download from');
  for (const url of urls) {
    try {
      await download(url, dest, options);
      return;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}
