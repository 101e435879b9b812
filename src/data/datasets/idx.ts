/**
 * The IDX format of MNIST-style datasets: two zero bytes, a type code, the number of dims, the dims as
 * big-endian uint32, then the values (big-endian for multi-byte types).
 */
import type { Tensor } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { tensorFromBytes } from '../../io/raw.js';
import { DatasetFormatError } from '../errors.js';

const TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'uint8', size: 1 }, 0x09: { name: 'int8', size: 1 }, 0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 }, 0x0d: { name: 'float32', size: 4 }, 0x0e: { name: 'float64', size: 8 },
};

/** A parsed IDX file: its type, dims and the payload bytes as stored. */
export interface IdxArray {
  type: string;
  shape: number[];
  /** The values as stored in the file (big-endian for multi-byte types). */
  payload: Uint8Array;
}

function describeMagic(magic: number): string {
  const type = TYPES[(magic >> 8) & 0xff];
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  return type && magic >>> 16 === 0 ? `${magic} (${hex}: ${type.name}, ${magic & 0xff} dims)` : `${magic} (${hex})`;
}

/**
 * Parses IDX bytes; `expectedMagic` (2051 for image files, 2049 for label files) is checked when given.
 * Throws DatasetFormatError naming `file` for a wrong magic number, a truncated or oversized file.
 *
 * @example
 * const { shape, payload } = parseIdx(readMaybeGzip(path), path, 2051);
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedMagic?: number): IdxArray {
  if (bytes.length < 4) throw new DatasetFormatError(file, `truncated IDX file: ${bytes.length} bytes, not even a magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new DatasetFormatError(file, `wrong magic number: expected ${describeMagic(expectedMagic)}, got ${describeMagic(magic)}`);
  }
  const type = TYPES[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type) throw new DatasetFormatError(file, `not an IDX file: magic number ${describeMagic(magic)}`);
  const ndim = bytes[3];
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw new DatasetFormatError(file, `truncated IDX header: ${ndim} dims need ${headerSize} bytes, file has ${bytes.length}`);
  }
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const expected = shape.reduce((a, b) => a * b, 1) * type.size;
  const actual = bytes.length - headerSize;
  if (actual < expected) {
    throw new DatasetFormatError(file, `truncated IDX file: ${type.name} [${shape}] needs ${expected} data bytes, file has ${actual}`);
  }
  if (actual > expected) {
    throw new DatasetFormatError(file, `IDX file has ${actual - expected} bytes after the ${type.name} [${shape}] data`);
  }
  return { type: type.name, shape, payload: bytes.subarray(headerSize) };
}

/**
 * The IDX array as a tensor (uint8 stays uint8; integers widen to int32; floats keep their width).
 *
 * @example
 * const images = idxToTensor(parseIdx(readFileSync('train-images-idx3-ubyte'), 'train-images-idx3-ubyte', 2051));
 */
export function idxToTensor(idx: IdxArray): Tensor {
  if (idx.type === 'uint8') return tensorFromBytes(idx.payload, 'uint8', idx.shape);
  const n = idx.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(idx.payload.buffer, idx.payload.byteOffset, idx.payload.byteLength);
  let values: Int32Array | Float32Array | Float64Array;
  let dtype: DType;
  switch (idx.type) {
    case 'int8': values = new Int32Array(n).map((_, i) => view.getInt8(i)); dtype = 'int32'; break;
    case 'int16': values = new Int32Array(n).map((_, i) => view.getInt16(2 * i, false)); dtype = 'int32'; break;
    case 'int32': values = new Int32Array(n).map((_, i) => view.getInt32(4 * i, false)); dtype = 'int32'; break;
    case 'float32': values = new Float32Array(n).map((_, i) => view.getFloat32(4 * i, false)); dtype = 'float32'; break;
    default: values = new Float64Array(n).map((_, i) => view.getFloat64(8 * i, false)); dtype = 'float64'; break;
  }
  return tensorFromBytes(new Uint8Array(values.buffer), dtype, idx.shape);
}
