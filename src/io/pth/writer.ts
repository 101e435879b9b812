/**
 * Writing PyTorch checkpoints that `torch.load(path, weights_only=True)` reads (PyTorch 1.13 and later):
 * the object pickled as torch.save pickles it (tensors through `_rebuild_tensor_v2` and persistent storage
 * ids, objects of tensors as `collections.OrderedDict` like `state_dict()`, other objects as dicts), then
 * one storage record per distinct storage. Tensors that are views of one antorcha storage (same dtype)
 * share one record holding just the span they cover, with their own offsets and strides, as PyTorch
 * saves views; other tensors get a record of their own.
 *
 * JavaScript has one number type: an integral number is written as a Python int (1.0 comes back to
 * PyTorch as 1), any other as a float; bigints are ints.
 *
 * NOTE: PyTorch 1.13's weights_only unpickler has no opcode for Python floats (BINFLOAT came in 2.0), so a
 * checkpoint holding a non-integral number loads there only with weights_only=False; integers, strings,
 * booleans, None, lists, dicts and tensors load with weights_only=True.
 */
import type { Tensor as TensorType } from '../../tensor.js';
import { Tensor } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import type { Storage } from '../../storage.js';
import { contiguousStrides } from '../../layout.js';
import { viewOf } from '../../ops/dispatch.js';
import { PthError } from '../errors.js';
import { forEachByteChunk } from '../raw.js';
import { atomicWrite, writeAll } from '../atomic.js';
import { writeSync } from 'node:fs';
import { STORAGE_OF } from './globals.js';
import { OP } from './opcodes.js';
import { PickleWriter } from './pickler.js';
import { ZipWriter, memorySink, type ZipSink } from './zip_writer.js';

const MAX_DEPTH = 100;
const BATCH = 1000;
const PREFIX = 'archive';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One storage record: `numel` elements of `dtype`, the bytes of `source` (a contiguous tensor or view). */
interface StorageRecord {
  key: string;
  dtype: DType;
  numel: number;
  source: TensorType;
  /** The source is a view made for writing, disposed afterwards. */
  temporary: boolean;
}

interface TensorPlacement {
  record: StorageRecord;
  offset: number;
  strides: number[];
}

const TYPED_ARRAYS = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
];

function where(path: string[]): string {
  return path.length ? path.join('.') : '<root>';
}

/** Visits every value once, refusing what a checkpoint cannot hold; returns tensors in order of appearance. */
function collectTensors(value: unknown, path: string[], seen: Set<object>, out: TensorType[]): void {
  if (value === null || value === undefined) return;
  switch (typeof value) {
    case 'boolean': case 'number': case 'bigint': return;
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new PthError('InvalidStructure', `string at ${where(path)} has a lone UTF-16 surrogate`);
      return;
    case 'object': break;
    default: throw new PthError('InvalidStructure', `cannot save a ${typeof value} at ${where(path)}`);
  }
  const obj = value as object;
  if (obj instanceof Tensor) {
    if (obj.isDisposed) throw new PthError('InvalidStructure', `tensor at ${where(path)} was disposed`);
    out.push(obj);
    return;
  }
  if (ArrayBuffer.isView(obj)) {
    if (!TYPED_ARRAYS.some((c) => obj instanceof c)) throw new PthError('InvalidStructure', `cannot save a ${obj.constructor.name} at ${where(path)}`);
    return;
  }
  if (seen.has(obj)) throw new PthError('InvalidStructure', `the value at ${where(path)} contains itself (a cycle)`);
  if (path.length > MAX_DEPTH) throw new PthError('InvalidStructure', `nesting deeper than ${MAX_DEPTH} at ${where(path)}`);
  seen.add(obj);
  if (Array.isArray(obj)) {
    obj.forEach((v, i) => collectTensors(v, [...path, String(i)], seen, out));
  } else if (obj instanceof Map) {
    for (const [k, v] of obj) {
      if (typeof k !== 'string' && typeof k !== 'number') throw new PthError('InvalidStructure', `Map keys must be strings or numbers (at ${where(path)})`);
      if (typeof k === 'string') collectTensors(k, [...path, '<key>'], seen, out);
      collectTensors(v, [...path, String(k)], seen, out);
    }
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw new PthError('InvalidStructure', `cannot save a ${obj.constructor?.name ?? 'class instance'} at ${where(path)}: only tensors, plain objects, Maps, arrays and primitives`);
    }
    for (const [k, v] of Object.entries(obj)) {
      collectTensors(k, [...path, '<key>'], seen, out);
      collectTensors(v, [...path, k], seen, out);
    }
  }
  seen.delete(obj);
}

/** Assigns storage records: one per antorcha storage (covering its tensors' span), or per tensor. */
function planStorages(tensors: TensorType[]): { placements: Map<TensorType, TensorPlacement>; records: StorageRecord[] } {
  const placements = new Map<TensorType, TensorPlacement>();
  const records: StorageRecord[] = [];
  const groups = new Map<Storage, Set<TensorType>>();
  for (const t of tensors) {
    if (t.numel() === 0) continue;
    const group = groups.get(t.storage);
    if (group) group.add(t);
    else groups.set(t.storage, new Set([t]));
  }
  const own = (t: TensorType): void => {
    const record = { key: String(records.length), dtype: t.dtype, numel: t.numel(), source: t, temporary: false };
    records.push(record);
    placements.set(t, { record, offset: 0, strides: contiguousStrides(t.shape) });
  };
  // Records are numbered in order of first appearance, as torch.save numbers them.
  for (const first of tensors) {
    if (placements.has(first)) continue;
    if (first.numel() === 0) {
      own(first);
      continue;
    }
    const group = [...groups.get(first.storage)!];
    if (group.some((t) => t.dtype !== first.dtype)) {
      // Views of one storage as different dtypes: PyTorch refuses those, so each is saved as its own copy.
      group.forEach(own);
      continue;
    }
    let lo = Infinity, hi = 0;
    for (const t of group) {
      let last = t.offset;
      t.shape.forEach((n, d) => { last += (n - 1) * t.strides[d]; });
      lo = Math.min(lo, t.offset);
      hi = Math.max(hi, last + 1);
    }
    const span = viewOf(first, [hi - lo], [1], lo);
    const record = { key: String(records.length), dtype: first.dtype, numel: hi - lo, source: span, temporary: true };
    records.push(record);
    for (const t of group) placements.set(t, { record, offset: t.offset - lo, strides: t.strides.slice() });
  }
  return { placements, records };
}

function pickleValue(p: PickleWriter, value: unknown, placements: Map<TensorType, TensorPlacement>): void {
  if (value === null || value === undefined) {
    p.op(OP.NONE);
    return;
  }
  switch (typeof value) {
    case 'boolean': p.bool(value); return;
    case 'bigint': p.int(value); return;
    case 'string': p.str(value); return;
    case 'number':
      if (Number.isInteger(value)) p.int(Object.is(value, -0) ? 0 : value);
      else p.float(value);
      return;
    default: break;
  }
  const sub = (v: unknown) => pickleValue(p, v, placements);
  if (value instanceof Tensor) {
    const { record, offset, strides } = placements.get(value)!;
    p.global('torch._utils', '_rebuild_tensor_v2').op(OP.MARK);
    p.op(OP.MARK).str('storage').global('torch', STORAGE_OF[record.dtype].className).str(record.key).str('cpu').int(record.numel).op(OP.TUPLE);
    p.op(OP.BINPERSID).int(offset).intTuple(value.shape).intTuple(strides).bool(value.requiresGrad);
    p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE).op(OP.REDUCE);
    p.op(OP.TUPLE).op(OP.REDUCE);
    return;
  }
  if (ArrayBuffer.isView(value)) {
    sub(Array.from(value as unknown as ArrayLike<number | bigint>));
    return;
  }
  if (Array.isArray(value)) {
    p.op(OP.EMPTY_LIST);
    for (let i = 0; i < value.length; i += BATCH) {
      const batch = value.slice(i, i + BATCH);
      if (batch.length > 1) p.op(OP.MARK);
      batch.forEach(sub);
      p.op(batch.length > 1 ? OP.APPENDS : OP.APPEND);
    }
    return;
  }
  const entries: [unknown, unknown][] = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  const stateDictLike = !(value instanceof Map) && entries.length > 0 && entries.every(([, v]) => v instanceof Tensor);
  if (stateDictLike) p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE).op(OP.REDUCE);
  else p.op(OP.EMPTY_DICT);
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    if (batch.length > 1) p.op(OP.MARK);
    for (const [k, v] of batch) {
      sub(k);
      sub(v);
    }
    p.op(batch.length > 1 ? OP.SETITEMS : OP.SETITEM);
  }
}

/** Writes the checkpoint archive of `obj` into `sink`. */
function writeArchive(obj: unknown, sink: ZipSink, zip64Above?: number): void {
  const tensors: TensorType[] = [];
  collectTensors(obj, [], new Set(), tensors);
  const { placements, records } = planStorages(tensors);
  try {
    const p = new PickleWriter();
    p.op(OP.PROTO).op(2);
    pickleValue(p, obj, placements);
    p.op(OP.STOP);
    const zip = new ZipWriter(sink, zip64Above);
    const pkl = p.bytes();
    zip.add(`${PREFIX}/data.pkl`, pkl.length, (emit) => emit(pkl));
    const little = new TextEncoder().encode('little');
    zip.add(`${PREFIX}/byteorder`, little.length, (emit) => emit(little));
    for (const r of records) {
      zip.add(`${PREFIX}/data/${r.key}`, r.numel * STORAGE_OF[r.dtype].itemsize, (emit) => {
        if (r.numel > 0) forEachByteChunk(r.source, emit, 1 << 22); // cache-sized pieces for the copy, CRC and write
      });
    }
    const version = new TextEncoder().encode('3\n');
    zip.add(`${PREFIX}/version`, version.length, (emit) => emit(version));
    zip.finish();
  } finally {
    for (const r of records) if (r.temporary) r.source.dispose();
  }
}

/**
 * Serializes `obj` to the bytes of a `.pth` checkpoint (torch.save into a buffer). `zip64Above` lowers the
 * size from which zip64 records are written (normally 4 GiB), for testing readers without huge files.
 *
 * @example
 * const bytes = pth.serialize({ 'fc.weight': torch.ones([2, 2]) });
 */
export function serialize(obj: unknown, options: { zip64Above?: number } = {}): Uint8Array {
  const mem = memorySink();
  writeArchive(obj, mem.sink, options.zip64Above);
  return mem.bytes();
}

/**
 * Saves `obj` as a PyTorch `.pth` checkpoint (torch.save) that `torch.load(path, weights_only=True)` reads:
 * tensors keep dtype, shape and strides; objects whose values are all tensors become OrderedDicts (as
 * `state_dict()`), other objects and Maps dicts, arrays and typed arrays lists. The write is atomic.
 *
 * @example
 * pth.saveFile(model.stateDict(), 'model.pth');
 */
export function saveFile(obj: unknown, path: string): void {
  atomicWrite(path, (fd) => {
    writeArchive(obj, {
      write: (bytes) => writeAll(fd, bytes),
      patch(position, bytes) {
        let done = 0;
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
      },
    });
  });
}
