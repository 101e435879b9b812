/**
 * Extracts chosen regular files from a .tar or .tar.gz archive (ustar/GNU headers), enough for the
 * CIFAR-10 archive. Only the base names asked for are written, each atomically, so a hostile archive
 * cannot write outside the destination folder.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { atomicWrite, writeAll } from '../../io/atomic.js';
import { DatasetFormatError } from '../errors.js';

function field(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

/**
 * Writes the members whose base name is in `names` into `destDir`; returns the names written.
 *
 * @example
 * extractTar('cifar-10-binary.tar.gz', 'data/cifar-10-batches-bin', ['data_batch_1.bin']);
 */
export function extractTar(archive: string, destDir: string, names: readonly string[]): string[] {
  let data: Uint8Array = readFileSync(archive);
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data);
    } catch (e) {
      throw new DatasetFormatError(archive, `cannot decompress: ${(e as Error).message}`);
    }
  }
  const wanted = new Set(names);
  const written: string[] = [];
  let longName: string | null = null;
  for (let pos = 0; pos + 512 <= data.length;) {
    const header = data.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const sizeText = field(header, 124, 12).trim();
    const size = parseInt(sizeText || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new DatasetFormatError(archive, `bad tar header at byte ${pos}`);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = field(header, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = null;
    const body = pos + 512;
    if (body + size > data.length) throw new DatasetFormatError(archive, `truncated tar member ${name}`);
    if (type === 'L') {
      longName = field(data, body, size); // GNU long name for the next member
    } else if ((type === '0' || type === '\0') && wanted.has(basename(name))) {
      name = basename(name);
      atomicWrite(join(destDir, name), (fd) => writeAll(fd, data.subarray(body, body + size)));
      written.push(name);
    }
    pos = body + Math.ceil(size / 512) * 512;
  }
  return written;
}
