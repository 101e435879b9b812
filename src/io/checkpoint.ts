/**
 * torch.save / torch.load for checkpoints: nested objects, Maps and arrays whose leaves are tensors or plain
 * values. Tensors go into a safetensors file under flattened keys (`model.fc.weight`), so the file is an
 * ordinary safetensors file that PyTorch and other readers open; everything else (the nesting, numbers,
 * strings, typed arrays) is described by JSON in `__metadata__["antorcha.structure"]`, from which `load`
 * rebuilds the same object. Paths ending in `.pth` / `.pt` are PyTorch's own zip format instead (pth/),
 * and `load` tells the formats apart by their first bytes, whatever the file is called.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Tensor } from '../tensor.js';
import { PthError, SafetensorsError } from './errors.js';
import { loadFile, saveFile } from './safetensors.js';
import { legacyError, loadFile as loadPth, sniff } from './pth/reader.js';
import { saveFile as savePth } from './pth/writer.js';

/** Values `save` can store. */
export type Saveable =
  | Tensor | number | string | boolean | bigint | null | undefined | ArrayBufferView
  | Saveable[] | Map<string | number, Saveable> | { [key: string]: Saveable };

const STRUCTURE_KEY = 'antorcha.structure';
const FORMAT_VERSION = '1';
const MAX_DEPTH = 100;

// Encoded nodes: JSON primitives stand for themselves, arrays for arrays; everything else is a one-key
// object whose key says what it is, so a user's object can never be mistaken for a tag.
type Node = null | boolean | string | number | Node[] | { [tag: string]: unknown };

const TYPED_ARRAYS = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function encode(value: unknown, path: string[], tensors: Map<string, Tensor>, seen: Set<object>): Node {
  if (value === null) return null;
  const where = path.length ? path.join('.') : '<root>';
  switch (typeof value) {
    case 'boolean': case 'string': return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $n: Object.is(value, -0) ? '-0' : String(value) };
    case 'bigint': return { $b: value.toString() };
    case 'undefined': return { $u: 1 };
    case 'object': break;
    default: throw new SafetensorsError('InvalidStructure', `cannot save a ${typeof value} at ${where}`);
  }
  const obj = value as object;
  if (obj instanceof Tensor) {
    const key = path.length ? path.join('.') : 'tensor';
    if (tensors.has(key)) throw new SafetensorsError('InvalidStructure', `two tensors would be stored under the key ${JSON.stringify(key)}`);
    tensors.set(key, obj);
    return { $t: key };
  }
  if (ArrayBuffer.isView(obj)) {
    const name = obj.constructor.name as TypedArrayName;
    if (!(name in TYPED_ARRAYS)) throw new SafetensorsError('InvalidStructure', `cannot save a ${obj.constructor.name} at ${where}`);
    return { $ta: name, d: Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64') };
  }
  if (seen.has(obj)) throw new SafetensorsError('InvalidStructure', `the value at ${where} contains itself (a cycle)`);
  if (path.length > MAX_DEPTH) throw new SafetensorsError('InvalidStructure', `nesting deeper than ${MAX_DEPTH} at ${where}`);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v, i) => encode(v, [...path, String(i)], tensors, seen));
    if (obj instanceof Map) {
      const entries: [Node, Node][] = [];
      for (const [k, v] of obj) {
        if (typeof k !== 'string' && typeof k !== 'number') {
          throw new SafetensorsError('InvalidStructure', `Map keys must be strings or numbers (at ${where})`);
        }
        entries.push([encode(k, [], new Map(), new Set()), encode(v, [...path, String(k)], tensors, seen)]);
      }
      return { $m: entries };
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw new SafetensorsError('InvalidStructure', `cannot save a ${obj.constructor?.name ?? 'class instance'} at ${where}: only tensors, plain objects, Maps, arrays and primitives`);
    }
    const fields: [string, Node][] = Object.entries(obj).map(([k, v]) => [k, encode(v, [...path, k], tensors, seen)]);
    return { $o: fields };
  } finally {
    seen.delete(obj);
  }
}

function decode(node: unknown, tensors: Record<string, Tensor>, used: Set<string>, file: string, depth = 0): unknown {
  const bad = (what: string): never => {
    throw new SafetensorsError('InvalidStructure', `checkpoint structure: ${what}`, file);
  };
  if (depth > 2 * MAX_DEPTH + 2) return bad('nested too deeply');
  const sub = (v: unknown): unknown => decode(v, tensors, used, file, depth + 1);
  if (node === null || typeof node === 'boolean' || typeof node === 'string' || typeof node === 'number') return node;
  if (Array.isArray(node)) return node.map(sub);
  if (typeof node !== 'object') return bad('unexpected value');
  const o = node as Record<string, unknown>;
  if (typeof o.$t === 'string') {
    if (!Object.prototype.hasOwnProperty.call(tensors, o.$t)) return bad(`tensor ${JSON.stringify(o.$t)} is missing`);
    if (used.has(o.$t)) return bad(`tensor ${JSON.stringify(o.$t)} is used twice`);
    used.add(o.$t);
    return tensors[o.$t];
  }
  if (typeof o.$n === 'string') return Number(o.$n);
  if (typeof o.$b === 'string') {
    if (!/^-?\d+$/.test(o.$b)) return bad(`bad bigint ${JSON.stringify(o.$b)}`);
    return BigInt(o.$b);
  }
  if (o.$u === 1) return undefined;
  if (typeof o.$ta === 'string' && typeof o.d === 'string') {
    if (!Object.prototype.hasOwnProperty.call(TYPED_ARRAYS, o.$ta)) return bad(`unknown typed array ${o.$ta}`);
    const ctor = TYPED_ARRAYS[o.$ta as TypedArrayName];
    const bytes = Buffer.from(o.d, 'base64');
    if (bytes.length % ctor.BYTES_PER_ELEMENT !== 0) return bad(`${o.$ta} of ${bytes.length} bytes`);
    const copy = new Uint8Array(bytes); // aligned fresh buffer
    return new ctor(copy.buffer, 0, bytes.length / ctor.BYTES_PER_ELEMENT);
  }
  if (Array.isArray(o.$m)) {
    const map = new Map<unknown, unknown>();
    for (const e of o.$m) {
      if (!Array.isArray(e) || e.length !== 2) return bad('bad Map entry');
      map.set(sub(e[0]), sub(e[1]));
    }
    return map;
  }
  if (Array.isArray(o.$o)) {
    const entries: [string, unknown][] = [];
    for (const e of o.$o) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') return bad('bad object field');
      entries.push([e[0], sub(e[1])]);
    }
    return Object.fromEntries(entries);
  }
  return bad('unknown node');
}

export interface SaveOptions {
  /** Extra string metadata stored in the safetensors `__metadata__`. */
  metadata?: Record<string, string>;
}

/**
 * Saves a checkpoint (torch.save): a tensor, or a nested object / Map / array whose leaves are tensors,
 * numbers, strings, booleans, bigints, typed arrays or null. A path ending in `.pth` or `.pt` gets
 * PyTorch's zip format, which `torch.load(path, weights_only=True)` reads (see pth/writer.ts); any other
 * path a safetensors file, with tensors stored under their dotted path (a flat state dict keeps its keys
 * exactly, as PyTorch names them). The write is atomic: a crash leaves the previous file as it was.
 *
 * @example
 * torch.save({ model: model.stateDict(), optimizer: opt.stateDict(), epoch: 3 }, 'ckpt.safetensors');
 * torch.save(model.stateDict(), 'model.pth');
 */
export function save(obj: Saveable, path: string, options: SaveOptions = {}): void {
  if (/\.(pth|pt)$/i.test(path)) {
    if (options.metadata) throw new PthError('InvalidStructure', 'the metadata option applies to safetensors files only', path);
    savePth(obj, path);
    return;
  }
  const tensors = new Map<string, Tensor>();
  const structure = encode(obj, [], tensors, new Set());
  const metadata: Record<string, string> = { ...options.metadata, format: 'pt', 'antorcha.format': FORMAT_VERSION };
  metadata[STRUCTURE_KEY] = JSON.stringify(structure);
  saveFile(tensors, path, metadata);
}

/** The file's format by its first bytes (a PyTorch zip archive, PyTorch's legacy pickle, or safetensors). */
function sniffFile(path: string): 'zip' | 'legacy' | 'other' {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(512);
    const n = readSync(fd, head, 0, head.length, 0);
    return sniff(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads a checkpoint (torch.load), rebuilding the saved object with fresh tensors owned by the caller. The
 * format is found from the first bytes: PyTorch's zip format (torch.save since 1.6, any file name) loads
 * as `torch.load(path, weights_only=True)` would, without executing anything (see pth/reader.ts); a
 * safetensors file written elsewhere loads as a flat `{ name: tensor }` object.
 *
 * @example
 * const ckpt = torch.load('ckpt.safetensors') as { model: Record<string, Tensor>; epoch: number };
 * model.loadStateDict(ckpt.model);
 * model.loadStateDict(torch.load('resnet18.pth') as Record<string, Tensor>);
 */
export function load(path: string): unknown {
  const kind = sniffFile(path);
  if (kind === 'zip') return loadPth(path);
  if (kind === 'legacy') throw legacyError(path);
  const { tensors, metadata } = loadFile(path);
  const text = metadata?.[STRUCTURE_KEY];
  if (text === undefined) return tensors;
  try {
    let structure: unknown;
    try {
      structure = JSON.parse(text);
    } catch {
      throw new SafetensorsError('InvalidStructure', 'checkpoint structure is not valid JSON', path);
    }
    const used = new Set<string>();
    const result = decode(structure, tensors, used, path);
    for (const name of Object.keys(tensors)) {
      if (!used.has(name)) throw new SafetensorsError('InvalidStructure', `checkpoint structure does not place tensor ${JSON.stringify(name)}`, path);
    }
    return result;
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
}
