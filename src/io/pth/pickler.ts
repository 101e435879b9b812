/**
 * A protocol-2 pickle writer restricted to the opcodes PyTorch's `weights_only` unpickler reads, so that
 * `torch.load(path, weights_only=True)` accepts what antorcha writes. Globals are memoized (BINPUT once,
 * BINGET after) as Python's pickler does.
 */
import { OP } from './opcodes.js';

export class PickleWriter {
  private buf = new Uint8Array(1024);
  private dv = new DataView(this.buf.buffer);
  private pos = 0;
  private readonly globals = new Map<string, number>();
  private nextMemo = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
    this.dv = new DataView(bigger.buffer);
  }

  op(code: number): this {
    this.reserve(1);
    this.buf[this.pos++] = code;
    return this;
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private u32(v: number): void {
    this.reserve(4);
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** GLOBAL module.name, or a BINGET of the memo slot it was stored in before. */
  global(module: string, name: string): this {
    const key = `${module}\n${name}\n`;
    const slot = this.globals.get(key);
    if (slot !== undefined) return this.get(slot);
    this.op(OP.GLOBAL).raw(new TextEncoder().encode(key));
    const id = this.nextMemo++;
    this.globals.set(key, id);
    return this.put(id);
  }

  private put(id: number): this {
    if (id < 256) this.op(OP.BINPUT).op(id);
    else {
      this.op(OP.LONG_BINPUT);
      this.u32(id);
    }
    return this;
  }

  private get(id: number): this {
    if (id < 256) this.op(OP.BINGET).op(id);
    else {
      this.op(OP.LONG_BINGET);
      this.u32(id);
    }
    return this;
  }

  /** A Python int (BININT1 / BININT2 / BININT, LONG1 beyond 32 bits). */
  int(v: number | bigint): this {
    if (typeof v === 'number' && v >= 0 && v < 256) return this.op(OP.BININT1).op(v);
    if (typeof v === 'number' && v >= 0 && v < 65536) {
      this.op(OP.BININT2).op(v & 0xff).op(v >> 8);
      return this;
    }
    if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) {
      this.op(OP.BININT);
      this.reserve(4);
      this.dv.setInt32(this.pos, v, true);
      this.pos += 4;
      return this;
    }
    // LONG1: little-endian two's complement, as few bytes as keep the sign.
    let big = BigInt(v);
    const bytes: number[] = [];
    for (;;) {
      const byte = Number(big & 0xffn);
      bytes.push(byte);
      big >>= 8n;
      if ((big === 0n && !(byte & 0x80)) || (big === -1n && byte & 0x80)) break;
    }
    if (bytes.length > 255) throw new RangeError('integer too large to pickle (more than 255 bytes)');
    this.op(OP.LONG1).op(bytes.length);
    for (const b of bytes) this.op(b);
    return this;
  }

  /** A Python float (BINFLOAT, big-endian). */
  float(v: number): this {
    this.op(OP.BINFLOAT);
    this.reserve(8);
    this.dv.setFloat64(this.pos, v, false);
    this.pos += 8;
    return this;
  }

  str(s: string): this {
    const bytes = new TextEncoder().encode(s);
    this.op(OP.BINUNICODE);
    this.u32(bytes.length);
    this.raw(bytes);
    return this;
  }

  bool(b: boolean): this {
    return this.op(b ? OP.NEWTRUE : OP.NEWFALSE);
  }

  /** A tuple of ints (sizes, strides). */
  intTuple(values: readonly number[]): this {
    if (values.length === 0) return this.op(OP.EMPTY_TUPLE);
    if (values.length > 3) this.op(OP.MARK);
    for (const v of values) this.int(v);
    return this.op(values.length === 1 ? OP.TUPLE1 : values.length === 2 ? OP.TUPLE2 : values.length === 3 ? OP.TUPLE3 : OP.TUPLE);
  }

  /** The finished pickle (a view of the internal buffer). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
