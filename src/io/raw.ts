/**
 * Exact byte access to tensor storage, for file formats. `dataSync()` widens bfloat16/float16 to float32
 * and `torch.tensor(typedArray)` converts element by element; checkpoints and datasets need neither: they
 * move little-endian bytes as they are (NaN payloads of 16-bit floats included) and in one memcpy.
 */
import { endianness } from 'node:os';
import type { DType } from '../dtype.js';
import { itemsize } from '../dtype.js';
import { addon } from '../backend/native.js';
import { empty } from '../ops/dispatch.js';
import { contiguous } from '../ops/views.js';
import type { Tensor } from '../tensor.js';
import { formatShape, numelOf } from '../layout.js';

// NOTE: the formats antorcha reads (safetensors, IDX payloads, CIFAR records) are little-endian or bytes;
// a big-endian host would need byte swaps that nothing here does.
if (endianness() !== 'LE') throw new Error('antorcha io: big-endian hosts are not supported');

/**
 * A new contiguous tensor whose storage is a copy of `bytes` (native little-endian element layout).
 *
 * @example
 * const t = tensorFromBytes(new Uint8Array([0, 0, 128, 63]), 'float32', [1]); // [1.0]
 */
export function tensorFromBytes(bytes: Uint8Array, dtype: DType, shape: number[]): Tensor {
  const nbytes = numelOf(shape) * itemsize(dtype);
  if (bytes.byteLength !== nbytes) {
    throw new RangeError(`tensorFromBytes: ${bytes.byteLength} bytes cannot hold ${dtype} ${formatShape(shape)} (${nbytes} bytes)`);
  }
  const t = empty(shape.slice(), dtype);
  if (nbytes > 0) addon.copyIn(t.storage.handle, 0, bytes);
  return t;
}

/**
 * Calls `sink` with the tensor's elements as raw bytes in row-major order, in pieces of at most
 * `chunkBytes` (so a multi-gigabyte tensor is written without a second copy of it in JavaScript memory).
 */
export function forEachByteChunk(t: Tensor, sink: (chunk: Uint8Array) => void, chunkBytes = 1 << 26): void {
  const c = t.isContiguous() ? t : contiguous(t);
  try {
    const total = c.numel() * itemsize(c.dtype);
    const base = c.offset * itemsize(c.dtype);
    const buf = new Uint8Array(Math.min(total, chunkBytes));
    for (let pos = 0; pos < total; pos += chunkBytes) {
      const n = Math.min(chunkBytes, total - pos);
      const view = n === buf.length ? buf : buf.subarray(0, n);
      addon.copyOut(c.storage.handle, base + pos, view);
      sink(view);
    }
  } finally {
    if (c !== t) c.dispose();
  }
}

/** The tensor's elements as raw little-endian bytes (a fresh copy). */
export function tensorToBytes(t: Tensor): Uint8Array {
  const out = new Uint8Array(t.numel() * itemsize(t.dtype));
  let pos = 0;
  forEachByteChunk(t, (chunk) => {
    out.set(chunk, pos);
    pos += chunk.length;
  });
  return out;
}

/**
 * A new contiguous tensor filled by `read(target, position)`, which must fill `target` with the bytes at
 * byte `position` of the element data; called in pieces of at most `chunkBytes` (files are read straight
 * into native memory without holding the whole tensor in JavaScript).
 */
export function tensorFromByteSource(
  dtype: DType, shape: number[], read: (target: Uint8Array, position: number) => void, chunkBytes = 1 << 26,
): Tensor {
  const total = numelOf(shape) * itemsize(dtype);
  const t = empty(shape.slice(), dtype);
  try {
    const buf = new Uint8Array(Math.min(total, chunkBytes));
    for (let pos = 0; pos < total; pos += chunkBytes) {
      const n = Math.min(chunkBytes, total - pos);
      const view = n === buf.length ? buf : buf.subarray(0, n);
      read(view, pos);
      addon.copyIn(t.storage.handle, pos, view);
    }
  } catch (e) {
    t.dispose();
    throw e;
  }
  return t;
}
