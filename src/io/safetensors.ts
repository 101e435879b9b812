/**
 * The safetensors format: 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then the raw
 * little-endian tensor bytes. Reading validates what the reference implementation (huggingface/safetensors)
 * validates, plus duplicate keys, so a damaged or hostile file gives a SafetensorsError and nothing else.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { DType } from '../dtype.js';
import { itemsize } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { SafetensorsError } from './errors.js';
import { parseStrictJson, StrictJsonError, type JsonValue } from './strict_json.js';
import { forEachByteChunk, tensorFromByteSource } from './raw.js';
import { atomicWrite, writeAll } from './atomic.js';

/** The reference implementation refuses headers above 100 MB (a guard against absurd allocations). */
export const MAX_HEADER_SIZE = 100_000_000;
/** Tensors of higher rank are refused on load: antorcha's kernels accept at most 16 dims. */
const MAX_RANK = 16;

/** Byte sizes of every dtype the format defines, so foreign files validate even when antorcha lacks the dtype. */
const DTYPE_SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

const TO_ANTORCHA: Record<string, DType> = {
  F32: 'float32', F64: 'float64', BF16: 'bfloat16', F16: 'float16', I64: 'int64', I32: 'int32', U8: 'uint8', BOOL: 'bool',
};
const FROM_ANTORCHA: Record<DType, string> = {
  float32: 'F32', float64: 'F64', bfloat16: 'BF16', float16: 'F16', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL',
};

/** One tensor's entry in the header. */
export interface TensorInfo {
  /** The safetensors dtype name ('F32', 'BF16', ...). */
  dtype: string;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  dataOffsets: [number, number];
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  /** Tensor entries in header order. */
  tensors: Map<string, TensorInfo>;
  /** The `__metadata__` map, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** Byte position of the data section in the file (8 + header length). */
  dataStart: number;
}

/** The tensors of a file and its `__metadata__`. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string> | null;
}

function isPlainObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: JsonValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseInfo(name: string, v: JsonValue, file?: string): TensorInfo {
  const bad = (what: string): never => {
    throw new SafetensorsError('InvalidHeaderDeserialization', `tensor ${JSON.stringify(name)}: ${what}`, file);
  };
  if (!isPlainObject(v)) return bad('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== 'string') return bad('missing "dtype"');
  if (!(dtype in DTYPE_SIZES)) {
    throw new SafetensorsError('InvalidDType', `tensor ${JSON.stringify(name)}: unknown dtype ${JSON.stringify(dtype)}`, file);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) return bad('"shape" must be an array of non-negative integers');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    return bad('"data_offsets" must be two non-negative integers');
  }
  return { dtype, shape: shape as number[], dataOffsets: [offsets[0] as number, offsets[1] as number] };
}

/**
 * Parses and validates the header of a file of `fileSize` bytes; `readBytes(position, length)` returns
 * bytes of the file (only the length field and the header are read).
 *
 * @example
 * const header = safetensors.readHeader((pos, len) => bytes.subarray(pos, pos + len), bytes.length);
 */
export function readHeader(
  readBytes: (position: number, length: number) => Uint8Array, fileSize: number, file?: string,
): SafetensorsHeader {
  if (fileSize < 8) throw new SafetensorsError('HeaderTooSmall', `file is ${fileSize} bytes, shorter than the 8-byte header length`, file);
  const lenBytes = readBytes(0, 8);
  const n64 = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE)) {
    throw new SafetensorsError('HeaderTooLarge', `header length ${n64} exceeds the ${MAX_HEADER_SIZE}-byte limit`, file);
  }
  const n = Number(n64);
  if (8 + n > fileSize) {
    throw new SafetensorsError('InvalidHeaderLength', `header length ${n} runs past the end of the ${fileSize}-byte file`, file);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readBytes(8, n));
  } catch {
    throw new SafetensorsError('InvalidHeader', 'header is not valid UTF-8', file);
  }
  if (!text.startsWith('{')) throw new SafetensorsError('InvalidHeaderStart', 'header does not start with \'{\'', file);
  let json: JsonValue;
  try {
    json = parseStrictJson(text);
  } catch (e) {
    if (!(e instanceof StrictJsonError)) throw e;
    const code = e.message.startsWith('duplicate key') ? 'DuplicateKey' : 'InvalidHeaderDeserialization';
    throw new SafetensorsError(code, `header JSON: ${e.message}`, file);
  }
  if (!isPlainObject(json)) throw new SafetensorsError('InvalidHeaderDeserialization', 'header is not a JSON object', file);

  let metadata: Record<string, string> | null = null;
  const tensors = new Map<string, TensorInfo>();
  for (const [key, value] of Object.entries(json)) {
    if (key === '__metadata__') {
      if (!isPlainObject(value) || !Object.values(value).every((s) => typeof s === 'string')) {
        throw new SafetensorsError('InvalidHeaderDeserialization', '"__metadata__" must map strings to strings', file);
      }
      metadata = Object.fromEntries(Object.entries(value)) as Record<string, string>;
    } else {
      tensors.set(key, parseInfo(key, value, file));
    }
  }
  const dataEnd = validateOffsets(tensors, file);
  if (8 + n + dataEnd !== fileSize) {
    throw new SafetensorsError(
      'MetadataIncompleteBuffer',
      `tensors cover ${dataEnd} data bytes but the file has ${fileSize - 8 - n} after the header`, file,
    );
  }
  return { tensors, metadata, dataStart: 8 + n };
}

/** Tensors must tile the data section: sorted by offset, each begins where the previous ends. */
function validateOffsets(tensors: Map<string, TensorInfo>, file?: string): number {
  const sorted = [...tensors.entries()].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let start = 0;
  for (const [name, info] of sorted) {
    const [s, e] = info.dataOffsets;
    if (s !== start || e < s) {
      throw new SafetensorsError('InvalidOffset', `tensor ${JSON.stringify(name)}: data_offsets [${s}, ${e}] do not start at ${start}`, file);
    }
    start = e;
    let numel = 1;
    for (const d of info.shape) numel *= d;
    const nbytes = numel * DTYPE_SIZES[info.dtype];
    if (!Number.isSafeInteger(nbytes)) {
      throw new SafetensorsError('ValidationOverflow', `tensor ${JSON.stringify(name)}: shape [${info.shape}] is too large`, file);
    }
    if (e - s !== nbytes) {
      throw new SafetensorsError(
        'TensorInvalidInfo',
        `tensor ${JSON.stringify(name)}: ${info.dtype} [${info.shape}] needs ${nbytes} bytes but data_offsets span ${e - s}`, file,
      );
    }
  }
  return start;
}

function materialize(
  header: SafetensorsHeader, read: (target: Uint8Array, position: number) => void, file?: string,
): Record<string, Tensor> {
  // Check every entry before allocating anything, so a refused file leaves no tensors behind.
  for (const [name, info] of header.tensors) {
    if (!(info.dtype in TO_ANTORCHA)) {
      throw new SafetensorsError('UnsupportedDType', `tensor ${JSON.stringify(name)}: dtype ${info.dtype} is not supported by antorcha (${Object.keys(TO_ANTORCHA).join(', ')})`, file);
    }
    if (info.shape.length > MAX_RANK) {
      throw new SafetensorsError('InvalidShape', `tensor ${JSON.stringify(name)}: ${info.shape.length} dims (antorcha supports at most ${MAX_RANK})`, file);
    }
  }
  const entries: [string, Tensor][] = [];
  try {
    for (const [name, info] of header.tensors) {
      const base = header.dataStart + info.dataOffsets[0];
      entries.push([name, tensorFromByteSource(TO_ANTORCHA[info.dtype], info.shape, (t, pos) => read(t, base + pos))]);
    }
  } catch (e) {
    for (const [, t] of entries) t.dispose();
    throw e;
  }
  return Object.fromEntries(entries);
}

/**
 * Reads tensors and metadata from safetensors bytes.
 *
 * @example
 * const { tensors, metadata } = safetensors.deserialize(readFileSync('model.safetensors'));
 */
export function deserialize(bytes: Uint8Array): SafetensorsContents {
  const header = readHeader((pos, len) => bytes.subarray(pos, pos + len), bytes.length);
  const tensors = materialize(header, (target, pos) => target.set(bytes.subarray(pos, pos + target.length)));
  return { tensors, metadata: header.metadata };
}

/** Runs fn with an open file descriptor and its size. */
function withFile<T>(path: string, fn: (fd: number, size: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return fn(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, target: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) throw new SafetensorsError('MetadataIncompleteBuffer', 'file ended early (was it truncated while reading?)', path);
    done += n;
  }
}

/**
 * Reads the header of a safetensors file (names, dtypes, shapes, metadata) without loading tensors.
 *
 * @example
 * const { tensors, metadata } = safetensors.readFileHeader('model.safetensors');
 */
export function readFileHeader(path: string): SafetensorsHeader {
  return withFile(path, (fd, size) => readHeader((pos, len) => {
    const buf = new Uint8Array(len);
    readFully(fd, buf, pos, path);
    return buf;
  }, size, path));
}

/**
 * Loads every tensor of a safetensors file (safetensors' `load_file`). Tensors are read straight into
 * native memory; the caller owns them.
 *
 * @example
 * const { tensors } = safetensors.loadFile('model.safetensors');
 * tensors['fc.weight'].shape;
 */
export function loadFile(path: string): SafetensorsContents {
  return withFile(path, (fd, size) => {
    const header = readHeader((pos, len) => {
      const buf = new Uint8Array(len);
      readFully(fd, buf, pos, path);
      return buf;
    }, size, path);
    const tensors = materialize(header, (target, pos) => readFully(fd, target, pos, path), path);
    return { tensors, metadata: header.metadata };
  });
}

type TensorMap = Record<string, Tensor> | Map<string, Tensor>;

interface Layout {
  header: Uint8Array;
  order: [string, Tensor][];
}

/** Builds the header: data laid out largest dtype first (then by name), as the reference writer does, so
 * every tensor is aligned to its element size; header entries keep the caller's order. */
function layout(tensors: TensorMap, metadata?: Record<string, string> | null): Layout {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const seen = new Set<string>();
  for (const [name, t] of entries) {
    if (seen.has(name)) throw new SafetensorsError('DuplicateKey', `two tensors are named ${JSON.stringify(name)}`);
    seen.add(name);
    if (name === '__metadata__') throw new SafetensorsError('InvalidStructure', 'a tensor cannot be named "__metadata__"');
    if (t === null || typeof t !== 'object' || typeof (t as Tensor).numel !== 'function') {
      throw new SafetensorsError('InvalidTensor', `${JSON.stringify(name)} is not a Tensor`);
    }
    if (t.isDisposed) throw new SafetensorsError('InvalidTensor', `tensor ${JSON.stringify(name)} was disposed`);
  }
  const order = entries.slice().sort((a, b) => itemsize(b[1].dtype) - itemsize(a[1].dtype) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const offsets = new Map<string, [number, number]>();
  let pos = 0;
  for (const [name, t] of order) {
    const n = t.numel() * itemsize(t.dtype);
    offsets.set(name, [pos, pos + n]);
    pos += n;
  }
  // Pairs, not an object: a tensor named "__proto__" must stay a key.
  const pairs: [string, unknown][] = [];
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError('InvalidStructure', `metadata value of ${JSON.stringify(k)} is not a string`);
    }
    pairs.push(['__metadata__', metadata]);
  }
  for (const [name, t] of entries) {
    pairs.push([name, { dtype: FROM_ANTORCHA[t.dtype], shape: t.shape, data_offsets: offsets.get(name) }]);
  }
  const text = '{' + pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',') + '}';
  const body = new TextEncoder().encode(text);
  const padded = Math.ceil(body.length / 8) * 8;
  if (padded > MAX_HEADER_SIZE) throw new SafetensorsError('HeaderTooLarge', `header would be ${padded} bytes (limit ${MAX_HEADER_SIZE})`);
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + body.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(body, 8);
  return { header, order };
}

/**
 * Serializes tensors (and optional string metadata) to safetensors bytes (safetensors' `save`).
 *
 * @example
 * const bytes = safetensors.serialize({ w: torch.ones([2, 2]) }, { format: 'pt' });
 */
export function serialize(tensors: TensorMap, metadata?: Record<string, string> | null): Uint8Array {
  const { header, order } = layout(tensors, metadata);
  let total = header.length;
  for (const [, t] of order) total += t.numel() * itemsize(t.dtype);
  const out = new Uint8Array(total);
  out.set(header);
  let pos = header.length;
  for (const [, t] of order) {
    forEachByteChunk(t, (chunk) => {
      out.set(chunk, pos);
      pos += chunk.length;
    });
  }
  return out;
}

/**
 * Writes tensors to a safetensors file atomically (temporary file, fsync, rename, folder fsync): a crash
 * mid-write leaves the previous file intact. PyTorch's `safetensors.torch.load_file` reads the result.
 *
 * @example
 * safetensors.saveFile(model.stateDict(), 'model.safetensors', { format: 'pt' });
 */
export function saveFile(tensors: TensorMap, path: string, metadata?: Record<string, string> | null): void {
  const { header, order } = layout(tensors, metadata);
  atomicWrite(path, (fd) => {
    writeAll(fd, header);
    for (const [, t] of order) forEachByteChunk(t, (chunk) => writeAll(fd, chunk));
  });
}
