/**
 * Writing the zip archives torch.save writes: stored (uncompressed) entries whose data starts on a 64-byte
 * boundary (the local header's extra field is padded, as PyTorch does, so readers can map storages
 * directly), CRC-32 for each entry, and zip64 records once an offset or size reaches 4 GiB.
 */
import { crc32 } from './crc32.js';

/** Where archive bytes go: appended in order, with earlier bytes patched in place (the CRC fields). */
export interface ZipSink {
  write(bytes: Uint8Array): void;
  patch(position: number, bytes: Uint8Array): void;
}

interface Written {
  name: Uint8Array;
  size: number;
  crc: number;
  offset: number;
}

const ALIGNMENT = 64;
const LIMIT32 = 0xffffffff;
/** DOS date of 1980-01-01 00:00 (fixed, so the same checkpoint gives the same bytes). */
const DOS_DATE = 0x21;

class Bytes {
  readonly buf: Uint8Array;
  readonly dv: DataView;
  pos = 0;
  constructor(n: number) {
    this.buf = new Uint8Array(n);
    this.dv = new DataView(this.buf.buffer);
  }
  u16(v: number): this {
    this.dv.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }
  u64(v: number): this {
    this.dv.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
}

/**
 * Streams entries into a sink and finishes with the central directory.
 *
 * @example
 * const zip = new ZipWriter(sink);
 * zip.add('archive/version', 2, (emit) => emit(new TextEncoder().encode('3\n')));
 * zip.finish();
 */
export class ZipWriter {
  private pos = 0;
  private readonly written: Written[] = [];

  /** `zip64Above` is the size from which zip64 fields are used (4 GiB - 1; lowered only in tests). */
  constructor(private readonly sink: ZipSink, private readonly zip64Above = LIMIT32) {}

  private emit(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.pos += bytes.length;
  }

  /** Adds an entry of exactly `size` bytes, which `fill` passes to `emit` in order. */
  add(name: string, size: number, fill: (emit: (chunk: Uint8Array) => void) => void): void {
    const nameBytes = new TextEncoder().encode(name);
    const offset = this.pos;
    const zip64 = size >= this.zip64Above;
    const zip64Extra = zip64 ? 20 : 0;
    const unpadded = offset + 30 + nameBytes.length + zip64Extra + 4;
    const pad = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
    const h = new Bytes(30 + nameBytes.length + zip64Extra + 4 + pad);
    h.u32(0x04034b50).u16(zip64 ? 45 : 20).u16(0).u16(0).u16(0).u16(DOS_DATE).u32(0)
      .u32(zip64 ? LIMIT32 : size).u32(zip64 ? LIMIT32 : size).u16(nameBytes.length).u16(zip64Extra + 4 + pad).bytes(nameBytes);
    if (zip64) h.u16(0x0001).u16(16).u64(size).u64(size);
    h.u16(0x4246).u16(pad).bytes(new Uint8Array(pad).fill(0x5a)); // 'FB' padding field, as PyTorch's writer
    this.emit(h.buf);
    let crc = 0, count = 0;
    fill((chunk) => {
      crc = crc32(chunk, crc);
      count += chunk.length;
      this.emit(chunk);
    });
    if (count !== size) throw new RangeError(`zip entry ${name}: wrote ${count} bytes, announced ${size}`);
    const crcField = new Uint8Array(4);
    new DataView(crcField.buffer).setUint32(0, crc, true);
    this.sink.patch(offset + 14, crcField);
    this.written.push({ name: nameBytes, size, crc, offset });
  }

  /** Writes the central directory and the end records. */
  finish(): void {
    const cdOffset = this.pos;
    for (const e of this.written) {
      // NOTE: once either needs 64 bits, all three of size, compressed size and offset go into the zip64
      // field: miniz (PyTorch's zip reader) refuses a zip64 field shorter than 16 bytes.
      const zip64 = e.size >= this.zip64Above || e.offset >= this.zip64Above;
      const extraLen = zip64 ? 28 : 0;
      const c = new Bytes(46 + e.name.length + extraLen);
      c.u32(0x02014b50).u16(zip64 ? 45 : 20).u16(zip64 ? 45 : 20).u16(0).u16(0).u16(0).u16(DOS_DATE).u32(e.crc)
        .u32(zip64 ? LIMIT32 : e.size).u32(zip64 ? LIMIT32 : e.size).u16(e.name.length).u16(extraLen).u16(0)
        .u16(0).u16(0).u32(0).u32(zip64 ? LIMIT32 : e.offset).bytes(e.name);
      if (zip64) c.u16(0x0001).u16(24).u64(e.size).u64(e.size).u64(e.offset);
      this.emit(c.buf);
    }
    const cdSize = this.pos - cdOffset;
    const count = this.written.length;
    const zip64 = count >= 0xffff || cdOffset >= this.zip64Above || cdSize >= this.zip64Above;
    if (zip64) {
      const recordAt = this.pos;
      const r = new Bytes(56 + 20);
      r.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count).u64(cdSize).u64(cdOffset);
      r.u32(0x07064b50).u32(0).u64(recordAt).u32(1);
      this.emit(r.buf);
    }
    const end = new Bytes(22);
    end.u32(0x06054b50).u16(0).u16(0).u16(zip64 ? 0xffff : count).u16(zip64 ? 0xffff : count)
      .u32(zip64 ? LIMIT32 : cdSize).u32(zip64 ? LIMIT32 : cdOffset).u16(0);
    this.emit(end.buf);
  }
}

/**
 * A sink that keeps the archive in memory (patches land in the chunk holding them); `bytes()` joins it.
 *
 * @example
 * const mem = memorySink(); const zip = new ZipWriter(mem.sink); ...; zip.finish(); mem.bytes();
 */
export function memorySink(): { sink: ZipSink; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  const starts: number[] = [];
  let size = 0;
  return {
    sink: {
      write(bytes) {
        starts.push(size);
        chunks.push(bytes.slice());
        size += bytes.length;
      },
      patch(position, bytes) {
        let i = starts.length - 1;
        while (starts[i] > position) i--;
        chunks[i].set(bytes, position - starts[i]);
      },
    },
    bytes() {
      const out = new Uint8Array(size);
      chunks.forEach((c, i) => out.set(c, starts[i]));
      return out;
    },
  };
}
