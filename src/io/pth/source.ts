/**
 * Random access to an archive's bytes, from memory or from an open file, so the zip reader can look at the
 * central directory and copy each tensor's bytes straight into native memory without ever holding the
 * whole (possibly multi-gigabyte) file in JavaScript.
 */
import { readSync } from 'node:fs';
import { PthError } from '../errors.js';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** The file name used in error messages (undefined for in-memory bytes). */
  readonly file?: string;
  /** Fills `target` with the bytes at `position`. */
  read(target: Uint8Array, position: number): void;
  /** The bytes at [position, position + length): a view for memory, a fresh buffer for a file. */
  bytes(position: number, length: number): Uint8Array;
}

function outOfRange(size: number, position: number, length: number, file?: string): never {
  throw new PthError('TruncatedZip', `needs bytes ${position}..${position + length} but the file has ${size} (truncated?)`, file);
}

/**
 * A source over bytes already in memory (subarrays, no copies).
 *
 * @example
 * const src = memorySource(readFileSync('model.pth'));
 */
export function memorySource(data: Uint8Array): ByteSource {
  return {
    size: data.length,
    read(target, position) {
      if (position < 0 || position + target.length > data.length) outOfRange(data.length, position, target.length);
      target.set(data.subarray(position, position + target.length));
    },
    bytes(position, length) {
      if (position < 0 || length < 0 || position + length > data.length) outOfRange(data.length, position, length);
      return data.subarray(position, position + length);
    },
  };
}

/**
 * A source over an open file descriptor of `size` bytes (positional reads, so no shared file offset).
 *
 * @example
 * const src = fileSource(fd, fstatSync(fd).size, 'model.pth');
 */
export function fileSource(fd: number, size: number, file: string): ByteSource {
  const read = (target: Uint8Array, position: number): void => {
    if (position < 0 || position + target.length > size) outOfRange(size, position, target.length, file);
    let done = 0;
    while (done < target.length) {
      const n = readSync(fd, target, done, target.length - done, position + done);
      if (n === 0) throw new PthError('TruncatedZip', 'file ended early (was it truncated while reading?)', file);
      done += n;
    }
  };
  return {
    size,
    file,
    read,
    bytes(position, length) {
      const out = new Uint8Array(length);
      read(out, position);
      return out;
    },
  };
}
