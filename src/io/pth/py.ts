/**
 * The Python values the restricted unpickler builds. They are inert data: a "global" is only a tag naming
 * an allow-listed PyTorch function or class, never something that can be called; tensors are descriptions
 * (storage, offset, shape, strides) that are checked against their storage before any memory is touched.
 */
import { PthError } from '../errors.js';

/** Element types of PyTorch storages; `antorcha` is the matching antorcha dtype when there is one. */
export interface StorageType {
  /** PyTorch's class name (FloatStorage, ...). */
  className: string;
  /** PyTorch's dtype name (float32, ...). */
  torchDType: string;
  itemsize: number;
}

export class PyList {
  constructor(readonly items: PyValue[] = []) {}
}

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** dict or collections.OrderedDict; keys keep insertion order, equal keys (1 == 1.0 == True) collapse. */
export class PyDict {
  readonly entries = new Map<string, [PyValue, PyValue]>();
  constructor(readonly ordered: boolean) {}

  set(key: PyValue, value: PyValue): void {
    const k = hashKey(key, 0);
    const old = this.entries.get(k);
    if (old) old[1] = value;
    else this.entries.set(k, [key, value]);
  }
}

export class PySet {
  readonly items = new Map<string, PyValue>();
  constructor(readonly frozen: boolean) {}

  add(value: PyValue): void {
    const k = hashKey(value, 0);
    if (!this.items.has(k)) this.items.set(k, value);
  }
}

/** Python bytes (protocol 2 pickles them as `_codecs.encode(text, 'latin1')`). */
export class PyBytes {
  constructor(readonly data: Uint8Array) {}
}

/** What an allow-listed global stands for. */
export type GlobalKind =
  | { kind: 'orderedDict' }
  | { kind: 'rebuildTensor'; v2: boolean }
  | { kind: 'rebuildParameter'; withState: boolean }
  | { kind: 'parameter' }
  | { kind: 'size' }
  | { kind: 'device' }
  | { kind: 'set'; frozen: boolean }
  | { kind: 'encode' }
  | { kind: 'storage'; type: StorageType }
  | { kind: 'dtype'; name: string };

export class PyGlobal {
  constructor(readonly path: string, readonly what: GlobalKind) {}
}

/** A storage from persistent_load: a zip record of `numel` elements of `type`. */
export class PyStorage {
  constructor(readonly key: string, readonly type: StorageType, readonly numel: number, readonly record: string) {}
}

/** A tensor described by _rebuild_tensor_v2 (already checked to lie inside its storage). */
export class PyTensor {
  constructor(
    readonly storage: PyStorage, readonly offset: number, readonly shape: number[], readonly strides: number[],
    readonly requiresGrad: boolean, readonly parameter = false,
  ) {}
}

export type PyValue =
  | null | boolean | number | bigint | string | PyBytes | PyList | PyTuple | PyDict | PySet | PyGlobal | PyStorage | PyTensor;

/** Nesting depth beyond which hashing and conversion refuse (Python's own recursion limit is 1000). */
export const MAX_DEPTH = 1000;

/** Python's type name of a value, for messages. */
export function typeName(v: PyValue): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint': return 'int';
    case 'string': return 'str';
    default: break;
  }
  if (v instanceof PyBytes) return 'bytes';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof PySet) return v.frozen ? 'frozenset' : 'set';
  if (v instanceof PyGlobal) return v.path;
  if (v instanceof PyStorage) return `torch.${v.type.className}`;
  return 'torch.Tensor';
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;
/** Hashes of tuples, once each: a tuple holding the same tuple twice, 40 levels deep, has 2^40 leaves. */
const tupleHashes = new WeakMap<PyTuple, string>();
/** Longer keys are refused (the tuples that reach it are size bombs, not checkpoint data). */
const MAX_KEY_LENGTH = 1 << 16;

/**
 * A string that is equal for keys Python considers equal (so 1, 1.0 and True are one key), refusing the
 * unhashable ones as Python does.
 */
export function hashKey(v: PyValue, depth: number): string {
  if (depth > MAX_DEPTH) throw new PthError('TooDeep', `a dict key is nested more than ${MAX_DEPTH} levels deep`);
  if (v === null) return 'N';
  switch (typeof v) {
    case 'boolean': return `n${v ? 1 : 0}`;
    case 'number': return `n${v}`;
    case 'bigint': return `n${v}`;
    case 'string': return `s${v}`;
    default: break;
  }
  if (v instanceof PyTuple) {
    let h = tupleHashes.get(v);
    if (h === undefined) {
      h = `t${JSON.stringify(v.items.map((x) => hashKey(x, depth + 1)))}`;
      if (h.length > MAX_KEY_LENGTH) throw new PthError('TooLarge', `a dict key or set item is a tuple more than ${MAX_KEY_LENGTH} characters long`);
      tupleHashes.set(v, h);
    }
    return h;
  }
  if (v instanceof PyGlobal) return `g${v.path}`;
  if (v instanceof PyBytes) return `y${Buffer.from(v.data).toString('hex')}`;
  if (v instanceof PyTensor || v instanceof PyStorage) {
    let id = identities.get(v);
    if (id === undefined) identities.set(v, (id = nextIdentity++));
    return `i${id}`;
  }
  throw new PthError('InvalidPickle', `unhashable type '${typeName(v)}' used as a dict key or set item`);
}
