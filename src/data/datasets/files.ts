/** Locating dataset files (plain or gzipped) and reading them. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetFormatError } from '../errors.js';

/** The first existing `name` or `name.gz` in the folders, in order; null when none exists. */
export function findFile(dirs: readonly string[], name: string): string | null {
  for (const dir of dirs) {
    for (const candidate of [join(dir, name), join(dir, name + '.gz')]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  return null;
}

/** File contents, gunzipped when the file starts with the gzip magic (whatever its name). */
export function readMaybeGzip(path: string): Uint8Array {
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new DatasetFormatError(path, `corrupt gzip data (${(e as Error).message}); delete the file and download it again`);
    }
  }
  return raw;
}
