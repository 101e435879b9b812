/**
 * Child-process entry of downloadSync: reads `{ urls, dest, options }` as JSON on stdin, downloads, and
 * prints one JSON line with the outcome on stdout (the progress bar goes to the inherited stderr).
 */
import { downloadFromMirrors, type DownloadOptions } from './download.js';
import { ChecksumError, DownloadError } from '../errors.js';

interface Request {
  urls: string[];
  dest: string;
  options: DownloadOptions;
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const req = JSON.parse(input) as Request;
  try {
    await downloadFromMirrors(req.urls, req.dest, req.options);
    process.stdout.write(JSON.stringify({ ok: true }) + '\n');
  } catch (e) {
    const err = e as Error;
    const out: Record<string, unknown> = { ok: false, name: err.name, message: err.message };
    if (e instanceof DownloadError) out.url = e.url;
    if (e instanceof ChecksumError) Object.assign(out, { algorithm: e.algorithm, expected: e.expected, actual: e.actual });
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

void main();
