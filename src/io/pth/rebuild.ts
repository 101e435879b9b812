/**
 * What REDUCE, NEWOBJ and BUILD may do: build the value an allow-listed PyTorch function would return,
 * from data only. Tensor rebuilds are checked here against their storage (offset, shape and strides must
 * stay inside it), so later steps can copy bytes without further bounds checks.
 */
import { PthError } from '../errors.js';
import { ANTORCHA_DTYPES } from './globals.js';
import { PyBytes, PyDict, PyGlobal, PyList, PySet, PyStorage, PyTensor, PyTuple, typeName, type PyValue } from './py.js';

/** antorcha's kernels take at most 16 dims. */
const MAX_RANK = 16;

const bad = (what: string): never => {
  throw new PthError('InvalidTensor', what);
};

function isIndex(v: PyValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function indexTuple(v: PyValue, what: string): number[] {
  const items = v instanceof PyTuple || v instanceof PyList ? v.items : null;
  if (items === null) return bad(`${what} must be a tuple of non-negative integers, not ${typeName(v)}`);
  if (!items.every(isIndex)) return bad(`${what} must be a tuple of non-negative integers, got (${items.map((x) => (typeof x === 'number' || typeof x === 'bigint' ? String(x) : typeName(x))).join(', ')})`);
  return items as number[];
}

function isEmptyDict(v: PyValue): boolean {
  return v instanceof PyDict && v.entries.size === 0;
}

/** Checks a tensor against its storage and returns its description. */
function rebuildTensor(args: readonly PyValue[], v2: boolean): PyTensor {
  const [storage, offset, size, stride, requiresGrad, hooks, metadata] = args;
  const arity = v2 ? [6, 7] : [4];
  if (!arity.includes(args.length)) bad(`tensor rebuild takes ${arity.join(' or ')} arguments, got ${args.length}`);
  if (!(storage instanceof PyStorage)) return bad(`tensor rebuild expects a storage, got ${typeName(storage)}`);
  if (!isIndex(offset)) return bad(`storage offset must be a non-negative integer, got ${typeName(offset)}`);
  const shape = indexTuple(size, 'tensor size');
  const strides = indexTuple(stride, 'tensor stride');
  if (v2) {
    if (typeof requiresGrad !== 'boolean') bad(`requires_grad must be a bool, got ${typeName(requiresGrad)}`);
    if (!isEmptyDict(hooks)) bad('tensors with backward hooks are not supported (hooks are code)');
    if (metadata !== undefined && metadata !== null && !(metadata instanceof PyDict)) bad(`tensor metadata must be a dict, got ${typeName(metadata)}`);
  }
  if (shape.length !== strides.length) bad(`tensor size has ${shape.length} dims but stride has ${strides.length}`);
  if (shape.length > MAX_RANK) bad(`tensor has ${shape.length} dims (antorcha supports at most ${MAX_RANK})`);
  const dtype = ANTORCHA_DTYPES[storage.type.torchDType];
  if (dtype === undefined) {
    throw new PthError('UnsupportedDType', `tensor of dtype ${storage.type.torchDType} (torch.${storage.type.className}): antorcha has ${Object.keys(ANTORCHA_DTYPES).join(', ')}`);
  }
  let numel = 1, last = offset;
  for (let d = 0; d < shape.length; d++) {
    numel *= shape[d];
    if (shape[d] > 0) last += (shape[d] - 1) * strides[d];
  }
  const where = `tensor of size [${shape.join(', ')}] (stride [${strides.join(', ')}], storage offset ${offset})`;
  if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(last)) bad(`${where} is too large`);
  const store = `storage '${storage.key}' (torch.${storage.type.className} of ${storage.numel} elements)`;
  if (numel > 0 && last >= storage.numel) bad(`${where} reaches element ${last}, past the end of ${store}`);
  if (numel === 0 && offset > storage.numel) bad(`${where} starts past the end of ${store}`);
  return new PyTensor(storage, offset, shape, strides, v2 ? (requiresGrad as boolean) : false);
}

function rebuildParameter(args: readonly PyValue[], withState: boolean): PyTensor {
  const [data, requiresGrad, hooks, state] = args;
  if (args.length !== (withState ? 4 : 3)) bad(`parameter rebuild takes ${withState ? 4 : 3} arguments, got ${args.length}`);
  if (!(data instanceof PyTensor)) return bad(`parameter rebuild expects a tensor, got ${typeName(data)}`);
  if (typeof requiresGrad !== 'boolean') return bad(`requires_grad must be a bool, got ${typeName(requiresGrad)}`);
  if (!isEmptyDict(hooks)) bad('parameters with backward hooks are not supported (hooks are code)');
  if (withState && state !== null && !(state instanceof PyDict) && !(state instanceof PyTuple)) {
    bad(`parameter state must be a dict or tuple, got ${typeName(state)}`);
  }
  return new PyTensor(data.storage, data.offset, data.shape, data.strides, requiresGrad, true);
}

function parameter(args: readonly PyValue[]): PyTensor {
  const [data, requiresGrad = true] = args;
  if (args.length > 2 || !(data instanceof PyTensor) || typeof requiresGrad !== 'boolean') {
    return bad('Parameter expects (tensor[, requires_grad])');
  }
  return new PyTensor(data.storage, data.offset, data.shape, data.strides, requiresGrad, true);
}

/**
 * The value of calling an allow-listed global with `args` (REDUCE).
 *
 * @example
 * callGlobal(orderedDictGlobal, new PyTuple([])); // an empty OrderedDict
 */
export function callGlobal(fn: PyGlobal, args: PyTuple): PyValue {
  const a = args.items;
  const what = fn.what;
  switch (what.kind) {
    case 'orderedDict': {
      const dict = new PyDict(true);
      if (a.length === 0) return dict;
      const pairs = a[0];
      if (a.length === 1 && (pairs instanceof PyList || pairs instanceof PyTuple)) {
        for (const pair of pairs.items) {
          if (!(pair instanceof PyTuple) || pair.items.length !== 2) throw new PthError('InvalidPickle', 'OrderedDict items must be (key, value) pairs');
          dict.set(pair.items[0], pair.items[1]);
        }
        return dict;
      }
      throw new PthError('InvalidPickle', 'OrderedDict takes no arguments or one list of pairs');
    }
    case 'set': {
      const set = new PySet(what.frozen);
      const items = a[0];
      if (a.length === 0) return set;
      if (a.length === 1 && (items instanceof PyList || items instanceof PyTuple)) {
        for (const item of items.items) set.add(item);
        return set;
      }
      throw new PthError('InvalidPickle', `${fn.path} takes no arguments or one list`);
    }
    case 'size': {
      if (a.length === 0) return new PyTuple([]);
      if (a.length !== 1) throw new PthError('InvalidPickle', 'torch.Size takes one tuple');
      return new PyTuple(indexTuple(a[0], 'torch.Size'));
    }
    case 'device': {
      const [type, index] = a;
      if (typeof type === 'string' && /^[a-z]+(:\d+)?$/.test(type) && (a.length === 1 || (a.length === 2 && (index === null || isIndex(index))))) {
        return a.length === 2 && index !== null ? `${type}:${index}` : type;
      }
      throw new PthError('InvalidPickle', 'torch.device expects a device string');
    }
    case 'encode': {
      const [text, encoding] = a;
      if (a.length !== 2 || typeof text !== 'string' || encoding !== 'latin1' || /[^\u0000-\u00ff]/.test(text)) {
        throw new PthError('ForbiddenCall', '_codecs.encode is only accepted as protocol 2 writes bytes: (latin-1 text, \'latin1\')');
      }
      return new PyBytes(Uint8Array.from(text, (c) => c.charCodeAt(0)));
    }
    case 'rebuildTensor': return rebuildTensor(a, what.v2);
    case 'rebuildParameter': return rebuildParameter(a, what.withState);
    case 'parameter': return parameter(a);
    default:
      throw new PthError('ForbiddenCall', `${fn.path} cannot be called by REDUCE`);
  }
}

/** NEWOBJ: only `Parameter(data, requires_grad)`, as PyTorch's weights_only unpickler allows. */
export function newObject(cls: PyValue, args: PyValue): PyValue {
  if (!(cls instanceof PyGlobal) || cls.what.kind !== 'parameter') {
    throw new PthError('ForbiddenCall', `NEWOBJ of ${typeName(cls)} (only torch.nn.parameter.Parameter may be created)`);
  }
  if (!(args instanceof PyTuple)) throw new PthError('InvalidPickle', `NEWOBJ arguments must be a tuple, not ${typeName(args)}`);
  return parameter(args.items);
}

/**
 * BUILD: sets attributes, which only OrderedDict (its `_metadata`, module versions that antorcha does not
 * need) and Parameter carry; the state is checked to be plain data and dropped.
 */
export function build(inst: PyValue, state: PyValue): void {
  if (inst instanceof PyDict && inst.ordered) {
    if (!(state instanceof PyDict)) throw new PthError('InvalidPickle', `OrderedDict state must be a dict, not ${typeName(state)}`);
    return;
  }
  if (inst instanceof PyTensor && inst.parameter) {
    if (state !== null && !(state instanceof PyDict) && !(state instanceof PyTuple)) {
      throw new PthError('InvalidPickle', `Parameter state must be a dict or tuple, not ${typeName(state)}`);
    }
    return;
  }
  throw new PthError('ForbiddenCall', `BUILD on a ${typeName(inst)} (only OrderedDict and Parameter take state)`);
}
