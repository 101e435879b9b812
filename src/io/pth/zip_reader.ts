/**
 * Reading the zip archives torch.save writes (stored entries, 64-byte aligned, zip64 above 4 GiB).
 *
 * NOTE: this parses the central directory itself instead of using an npm zip library. fflate (the usual
 * choice) needs the whole archive in one JavaScript buffer and copies every stored entry out of it; yauzl
 * and friends are asynchronous streams. A 300 MB checkpoint should instead be read entry by entry, straight
 * from the file into native tensor memory, and every length and offset checked before anything is
 * allocated; the part of the zip format a checkpoint uses is small enough to validate completely here.
 */
import { inflateRawSync } from 'node:zlib';
import { PthError } from '../errors.js';
import { crc32 } from './crc32.js';
import type { ByteSource } from './source.js';

/** One archive member, as its central-directory record and local header describe it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header. */
  headerOffset: number;
  /** Offset of the entry's (possibly compressed) bytes. */
  dataStart: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
/** Central directories above this are refused (a checkpoint has a few bytes per tensor). */
const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;
/**
 * Deflated entries are inflated in memory, so their size is capped: torch.save stores every entry
 * uncompressed, and a small compressed entry that claims gigabytes is a zip bomb.
 */
const MAX_DEFLATED = 64 * 1024 * 1024;
/** Deflate cannot expand data more than about 1032 times. */
const MAX_DEFLATE_RATIO = 1032;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(dv: DataView, at: number, what: string, file?: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PthError('CorruptZip', `${what} ${v} is out of range`, file);
  return Number(v);
}

interface EndRecord {
  entries: number;
  cdOffset: number;
  cdSize: number;
  /** Where the central directory must end (the zip64 record or the classic end record). */
  cdLimit: number;
}

function findEnd(src: ByteSource): EndRecord {
  const { size, file } = src;
  if (size < EOCD_SIZE) throw new PthError('TruncatedZip', `file is ${size} bytes, too short for a zip archive`, file);
  const tailLength = Math.min(size, EOCD_SIZE + 0xffff);
  const tail = src.bytes(size - tailLength, tailLength);
  const dv = view(tail);
  let at = -1;
  // The end record is the last one whose comment runs exactly to the end of the file.
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (dv.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + dv.getUint16(i + 20, true) === tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new PthError('TruncatedZip', 'no end-of-central-directory record (the archive is truncated or damaged)', file);
  const eocdPos = size - tailLength + at;
  const disk = dv.getUint16(at + 4, true), cdDisk = dv.getUint16(at + 6, true);
  let entriesHere = dv.getUint16(at + 8, true), entries = dv.getUint16(at + 10, true);
  let cdSize = dv.getUint32(at + 12, true), cdOffset = dv.getUint32(at + 16, true);
  let cdLimit = eocdPos;
  const locatorPos = eocdPos - 20;
  if (locatorPos >= 0 && view(src.bytes(locatorPos, 4)).getUint32(0, true) === SIG_EOCD64_LOCATOR) {
    const loc = view(src.bytes(locatorPos, 20));
    const recordPos = u64(loc, 8, 'zip64 end record offset', file);
    if (recordPos + 56 > locatorPos) throw new PthError('CorruptZip', 'zip64 end record lies outside the archive', file);
    const rec = view(src.bytes(recordPos, 56));
    if (rec.getUint32(0, true) !== SIG_EOCD64) throw new PthError('CorruptZip', 'bad zip64 end-of-central-directory signature', file);
    if (rec.getUint32(16, true) !== 0 || rec.getUint32(20, true) !== 0) throw new PthError('UnsupportedZip', 'multi-disk zip archives are not supported', file);
    entriesHere = u64(rec, 24, 'entry count', file);
    entries = u64(rec, 32, 'entry count', file);
    cdSize = u64(rec, 40, 'central directory size', file);
    cdOffset = u64(rec, 48, 'central directory offset', file);
    cdLimit = recordPos;
  } else if (disk !== 0 || cdDisk !== 0) {
    throw new PthError('UnsupportedZip', 'multi-disk zip archives are not supported', file);
  }
  if (entriesHere !== entries) throw new PthError('UnsupportedZip', 'multi-disk zip archives are not supported', file);
  if (cdOffset + cdSize > cdLimit) {
    throw new PthError('CorruptZip', `central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record at ${cdLimit}`, file);
  }
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw new PthError('TooLarge', `central directory of ${cdSize} bytes`, file);
  if (entries * CENTRAL_SIZE > cdSize) throw new PthError('CorruptZip', `${entries} entries cannot fit in a ${cdSize}-byte central directory`, file);
  return { entries, cdOffset, cdSize, cdLimit };
}

/** Applies a zip64 extended-information field: 64-bit values for the 32-bit fields that hold 0xFFFFFFFF. */
function applyZip64(extra: DataView, fields: { size: number; compressedSize: number; headerOffset: number }, name: string, file?: string): void {
  for (let p = 0; p + 4 <= extra.byteLength;) {
    const id = extra.getUint16(p, true), len = extra.getUint16(p + 2, true);
    if (p + 4 + len > extra.byteLength) throw new PthError('CorruptZip', `entry ${JSON.stringify(name)}: extra field runs past its end`, file);
    if (id === 0x0001) {
      let q = p + 4;
      const take = (what: string): number => {
        if (q + 8 > p + 4 + len) throw new PthError('CorruptZip', `entry ${JSON.stringify(name)}: zip64 field lacks the ${what}`, file);
        const v = u64(extra, q, what, file);
        q += 8;
        return v;
      };
      if (fields.size === 0xffffffff) fields.size = take('size');
      if (fields.compressedSize === 0xffffffff) fields.compressedSize = take('compressed size');
      if (fields.headerOffset === 0xffffffff) fields.headerOffset = take('header offset');
    }
    p += 4 + len;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The members of a zip archive, every offset and length validated against the file, so reading an entry
 * can only touch bytes that belong to it.
 *
 * @example
 * const zip = new ZipArchive(memorySource(bytes));
 * const pkl = zip.readAll(zip.get('archive/data.pkl')!, 1 << 20);
 */
export class ZipArchive {
  /** Entries in central-directory order. */
  readonly entries = new Map<string, ZipEntry>();

  constructor(readonly source: ByteSource) {
    const file = source.file;
    const end = findEnd(source);
    const cd = source.bytes(end.cdOffset, end.cdSize);
    const dv = view(cd);
    let p = 0;
    for (let i = 0; i < end.entries; i++) {
      if (p + CENTRAL_SIZE > cd.length || dv.getUint32(p, true) !== SIG_CENTRAL) {
        throw new PthError('CorruptZip', `central directory record ${i} is damaged`, file);
      }
      const flags = dv.getUint16(p + 8, true), method = dv.getUint16(p + 10, true);
      const crc = dv.getUint32(p + 16, true);
      const fields = { compressedSize: dv.getUint32(p + 20, true), size: dv.getUint32(p + 24, true), headerOffset: dv.getUint32(p + 42, true) };
      const nameLen = dv.getUint16(p + 28, true), extraLen = dv.getUint16(p + 30, true), commentLen = dv.getUint16(p + 32, true);
      const next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
      if (next > cd.length) throw new PthError('CorruptZip', `central directory record ${i} runs past the directory`, file);
      const nameBytes = cd.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen);
      let name: string;
      try {
        name = utf8.decode(nameBytes);
      } catch {
        throw new PthError('CorruptZip', `entry ${i} has a name that is not UTF-8`, file);
      }
      applyZip64(new DataView(cd.buffer, cd.byteOffset + p + CENTRAL_SIZE + nameLen, extraLen), fields, name, file);
      if (flags & 0x41) throw new PthError('UnsupportedZip', `entry ${JSON.stringify(name)} is encrypted`, file);
      if (method !== 0 && method !== 8) throw new PthError('UnsupportedZip', `entry ${JSON.stringify(name)} uses compression method ${method} (only stored and deflated entries are read)`, file);
      if (method === 0 && fields.compressedSize !== fields.size) {
        throw new PthError('CorruptZip', `stored entry ${JSON.stringify(name)} has compressed size ${fields.compressedSize} but size ${fields.size}`, file);
      }
      if (method === 8 && fields.size > MAX_DEFLATED) {
        throw new PthError('UnsupportedZip', `entry ${JSON.stringify(name)} is deflated to ${fields.size} bytes; only entries up to ${MAX_DEFLATED} bytes may be compressed (torch.save stores them uncompressed)`, file);
      }
      if (method === 8 && fields.size > fields.compressedSize * MAX_DEFLATE_RATIO + 64) {
        throw new PthError('CorruptZip', `entry ${JSON.stringify(name)} claims ${fields.size} bytes from ${fields.compressedSize} deflated bytes`, file);
      }
      if (this.entries.has(name)) throw new PthError('CorruptZip', `entry ${JSON.stringify(name)} appears twice`, file);
      const dataStart = this.checkLocalHeader(name, nameBytes, fields.headerOffset, end.cdOffset);
      if (dataStart + fields.compressedSize > end.cdOffset) {
        throw new PthError('CorruptZip', `entry ${JSON.stringify(name)} (${fields.compressedSize} bytes at ${dataStart}) runs into the central directory at ${end.cdOffset}`, file);
      }
      this.entries.set(name, { name, method, crc32: crc, ...fields, dataStart });
      p = next;
    }
    if (p !== cd.length) throw new PthError('CorruptZip', `central directory has ${cd.length - p} bytes after its ${end.entries} records`, file);
    // Members must not overlap: overlapping entries are how zip bombs multiply their size.
    const sorted = [...this.entries.values()].sort((a, b) => a.headerOffset - b.headerOffset);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      if (prev.dataStart + prev.compressedSize > sorted[i].headerOffset) {
        throw new PthError('CorruptZip', `entries ${JSON.stringify(prev.name)} and ${JSON.stringify(sorted[i].name)} overlap`, this.source.file);
      }
    }
  }

  private checkLocalHeader(name: string, nameBytes: Uint8Array, offset: number, cdOffset: number): number {
    const file = this.source.file;
    if (offset + LOCAL_SIZE > cdOffset) throw new PthError('CorruptZip', `entry ${JSON.stringify(name)}: local header at ${offset} lies outside the entries`, file);
    const h = view(this.source.bytes(offset, LOCAL_SIZE));
    if (h.getUint32(0, true) !== SIG_LOCAL) throw new PthError('CorruptZip', `entry ${JSON.stringify(name)}: bad local header signature at ${offset}`, file);
    const nameLen = h.getUint16(26, true), extraLen = h.getUint16(28, true);
    const dataStart = offset + LOCAL_SIZE + nameLen + extraLen;
    if (dataStart > cdOffset) throw new PthError('CorruptZip', `entry ${JSON.stringify(name)}: local header runs into the central directory`, file);
    const localName = this.source.bytes(offset + LOCAL_SIZE, nameLen);
    if (nameLen !== nameBytes.length || !localName.every((b, k) => b === nameBytes[k])) {
      throw new PthError('CorruptZip', `entry ${JSON.stringify(name)}: local header names another file`, file);
    }
    return dataStart;
  }

  get(name: string): ZipEntry | undefined {
    return this.entries.get(name);
  }

  private crcMismatch(entry: ZipEntry): never {
    throw new PthError('CorruptZip', `entry ${JSON.stringify(entry.name)} fails its CRC-32 check (the file is damaged)`, this.source.file);
  }

  /** The whole (decompressed, CRC-checked) content of a small entry; refuses entries above `limit` bytes. */
  readAll(entry: ZipEntry, limit: number): Uint8Array {
    const file = this.source.file;
    if (entry.size > limit) throw new PthError('TooLarge', `entry ${JSON.stringify(entry.name)} is ${entry.size} bytes (limit ${limit})`, file);
    let out = this.source.bytes(entry.dataStart, entry.compressedSize);
    if (entry.method === 8) {
      try {
        out = inflateRawSync(out, { maxOutputLength: Math.max(1, entry.size) });
      } catch {
        throw new PthError('CorruptZip', `entry ${JSON.stringify(entry.name)} does not inflate to its ${entry.size} bytes`, file);
      }
      if (out.length !== entry.size) throw new PthError('CorruptZip', `entry ${JSON.stringify(entry.name)} inflates to ${out.length} bytes, not ${entry.size}`, file);
    }
    if (crc32(out) !== entry.crc32) this.crcMismatch(entry);
    return out;
  }

  /**
   * A reader for `tensorFromByteSource`: fills targets from consecutive positions of the entry's content
   * (stored entries straight from the source, no intermediate copy), checking the CRC-32 once the last byte
   * has been read.
   */
  sequentialReader(entry: ZipEntry): (target: Uint8Array, position: number) => void {
    if (entry.method === 8) {
      const all = this.readAll(entry, Number.MAX_SAFE_INTEGER);
      return (target, position) => target.set(all.subarray(position, position + target.length));
    }
    let crc = 0, expected = 0;
    return (target, position) => {
      if (position !== expected || position + target.length > entry.size) {
        throw new PthError('InvalidStorage', `entry ${JSON.stringify(entry.name)} read out of order`, this.source.file);
      }
      this.source.read(target, entry.dataStart + position);
      crc = crc32(target, crc);
      expected += target.length;
      if (expected === entry.size && crc !== entry.crc32) this.crcMismatch(entry);
    };
  }
}
