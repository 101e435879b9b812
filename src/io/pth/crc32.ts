/**
 * CRC-32 (the zip polynomial) for checking and writing archive entries. Node's zlib.crc32 (native) is used
 * where it exists; older Node 20 releases lack it, so a table-driven version stands in.
 */
import * as zlib from 'node:zlib';

let table: Uint32Array | null = null;

function slowCrc32(data: Uint8Array, value: number): number {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * The CRC-32 of `data`, continuing from `value` (the CRC of the bytes before it; 0 to start).
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 */
export function crc32(data: Uint8Array, value = 0): number {
  return native ? native(data, value) >>> 0 : slowCrc32(data, value);
}
