/**
 * Turns the unpickled Python values into antorcha values: tensors (dtype kept), dicts into plain objects
 * (or Maps when a key is not a string), lists and tuples into arrays, sets into Sets, bytes into
 * Uint8Arrays, None into null, dtypes and devices into their names. Storages are read only here, after the whole pickle has been checked, and only
 * the ones a reachable tensor uses; each is read once and its tensors are views of it, sharing memory as
 * they did in PyTorch.
 */
import { PthError } from '../errors.js';
import type { Tensor } from '../../tensor.js';
import { isFloating } from '../../dtype.js';
import { empty, viewOf } from '../../ops/dispatch.js';
import { ANTORCHA_DTYPES } from './globals.js';
import { MAX_DEPTH, PyBytes, PyDict, PyGlobal, PyList, PySet, PyStorage, PyTensor, PyTuple, typeName, type PyValue } from './py.js';

/** Reads a storage's bytes into a new 1-D tensor of its element type. */
export type StorageLoader = (storage: PyStorage) => Tensor;

/**
 * Converts `root`, loading storages with `load`; on failure every tensor made so far is freed.
 *
 * @example
 * const value = toJs(unpickled, (s) => readStorage(s));
 */
export function toJs(root: PyValue, load: StorageLoader, file?: string): unknown {
  const bases = new Map<PyStorage, Tensor>();
  const made: Tensor[] = [];
  const done = new Map<object, unknown>();
  const inProgress = new Set<object>();

  const base = (s: PyStorage): Tensor => {
    let t = bases.get(s);
    if (t === undefined) {
      t = load(s);
      bases.set(s, t);
    }
    return t;
  };

  const tensorOf = (d: PyTensor): Tensor => {
    const dtype = ANTORCHA_DTYPES[d.storage.type.torchDType];
    // Empty tensors own no bytes; a fresh one avoids reading (or keeping alive) a storage for nothing.
    const numel = d.shape.reduce((a, b) => a * b, 1);
    const t = numel === 0 ? empty(d.shape.slice(), dtype) : viewOf(base(d.storage), d.shape.slice(), d.strides.slice(), d.offset, dtype);
    made.push(t);
    if (d.requiresGrad && isFloating(dtype)) t.requiresGrad_(true);
    return t;
  };

  const convert = (v: PyValue, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const cached = done.get(v);
    if (cached !== undefined) return cached;
    if (depth > MAX_DEPTH) throw new PthError('TooDeep', `values are nested more than ${MAX_DEPTH} levels deep`, file);
    if (inProgress.has(v)) throw new PthError('InvalidStructure', `a ${typeName(v)} contains itself (cycles are not supported)`, file);
    inProgress.add(v);
    let out: unknown;
    if (v instanceof PyTensor) {
      out = tensorOf(v);
    } else if (v instanceof PyBytes) {
      out = v.data.slice();
    } else if (v instanceof PyList || v instanceof PyTuple) {
      out = v.items.map((x) => convert(x, depth + 1));
    } else if (v instanceof PyDict) {
      const pairs = [...v.entries.values()];
      if (pairs.every(([k]) => typeof k === 'string')) {
        // fromEntries defines own properties, so a key named "__proto__" stays a key.
        out = Object.fromEntries(pairs.map(([k, x]) => [k, convert(x, depth + 1)]));
      } else {
        out = new Map(pairs.map(([k, x]) => [convert(k, depth + 1), convert(x, depth + 1)]));
      }
    } else if (v instanceof PySet) {
      out = new Set([...v.items.values()].map((x) => convert(x, depth + 1)));
    } else if (v instanceof PyGlobal) {
      if (v.what.kind !== 'dtype') throw new PthError('InvalidStructure', `${v.path} cannot be a value (only dtypes can)`, file);
      out = v.what.name;
    } else if (v instanceof PyStorage) {
      const dtype = ANTORCHA_DTYPES[v.type.torchDType];
      if (dtype === undefined) throw new PthError('UnsupportedDType', `storage of dtype ${v.type.torchDType}: antorcha has ${Object.keys(ANTORCHA_DTYPES).join(', ')}`, file);
      out = tensorOf(new PyTensor(v, 0, [v.numel], [1], false));
    } else {
      throw new PthError('InvalidStructure', `unexpected ${typeName(v)}`, file);
    }
    inProgress.delete(v);
    done.set(v, out);
    return out;
  };

  try {
    return convert(root, 0);
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  } finally {
    for (const t of bases.values()) t.dispose();
  }
}
