/**
 * A restricted unpickler for `data.pkl`: it interprets only the opcodes of PyTorch's `weights_only`
 * unpickler and only ever builds data (lists, tuples, dicts, numbers, strings, tensor descriptions).
 * GLOBAL resolves names against a fixed allow-list to inert tags, REDUCE / NEWOBJ / BUILD act only on
 * those tags (rebuild.ts), so no code named by the file can run. Every read, stack pop and memo lookup is
 * checked; a bad file stops with a PthError naming the problem and the byte where it happened.
 */
import { PthError } from '../errors.js';
import { OP } from './opcodes.js';
import { ALLOWED_GLOBALS } from './globals.js';
import { PyDict, PyGlobal, PyList, PySet, PyTuple, typeName, type PyValue } from './py.js';
import { build, callGlobal, newObject } from './rebuild.js';

/** Resolves a BINPERSID id (torch.save's `('storage', type, key, location, numel)`) to a storage. */
export type PersistentLoad = (pid: PyValue) => PyValue;

/** GLOBAL lines longer than this are refused (allow-listed names are short). */
const MAX_GLOBAL_LINE = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Interprets a pickle and returns the value it builds.
 *
 * @example
 * const value = unpickle(pklBytes, (pid) => storageFor(pid));
 */
export function unpickle(data: Uint8Array, persistentLoad: PersistentLoad, file?: string): PyValue {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: PyValue[] = [];
  // Stack heights at each open MARK: values below the top mark belong to the enclosing frame.
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let p = 0;
  let at = 0;

  const fail = (code: 'InvalidPickle' | 'StackUnderflow' | 'MemoMissing' | 'UnsupportedOpcode', what: string): never => {
    throw new PthError(code, what);
  };
  const need = (n: number): number => {
    if (p + n > data.length) fail('InvalidPickle', `pickle is truncated (opcode 0x${data[at].toString(16)} needs ${n} more bytes)`);
    const start = p;
    p += n;
    return start;
  };
  const floor = (): number => (marks.length ? marks[marks.length - 1] : 0);
  const pop = (): PyValue => {
    if (stack.length <= floor()) fail('StackUnderflow', `opcode 0x${data[at].toString(16)} pops from an empty stack`);
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length <= floor()) fail('StackUnderflow', `opcode 0x${data[at].toString(16)} needs a value on the stack`);
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) return fail('StackUnderflow', `opcode 0x${data[at].toString(16)} has no MARK to close`);
    return stack.splice(m);
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, p);
    if (end < 0 || end - p > MAX_GLOBAL_LINE) fail('InvalidPickle', 'GLOBAL name is not a short newline-terminated line');
    let s: string;
    try {
      s = utf8.decode(data.subarray(p, end));
    } catch {
      return fail('InvalidPickle', 'GLOBAL name is not UTF-8');
    }
    p = end + 1;
    return s;
  };
  const text = (n: number): string => {
    const start = need(n);
    try {
      return utf8.decode(data.subarray(start, start + n));
    } catch {
      return fail('InvalidPickle', 'string is not valid UTF-8');
    }
  };
  const memoGet = (i: number): PyValue => {
    const v = memo.get(i);
    if (v === undefined) fail('MemoMissing', `memo index ${i} was never stored`);
    return v as PyValue;
  };

  try {
    while (p < data.length) {
      at = p;
      const op = data[p++];
      switch (op) {
        case OP.PROTO: {
          const v = data[need(1)];
          if (v < 2 || v > 5) fail('InvalidPickle', `unsupported pickle protocol ${v}`);
          break;
        }
        case OP.STOP: {
          if (marks.length) fail('InvalidPickle', 'STOP inside an unclosed MARK');
          if (stack.length !== 1) fail(stack.length ? 'InvalidPickle' : 'StackUnderflow', `STOP with ${stack.length} values on the stack (expected 1)`);
          return stack[0];
        }
        case OP.GLOBAL: {
          const module = line();
          const name = line();
          const path = `${module}.${name}`;
          const what = ALLOWED_GLOBALS.get(path);
          if (!what) {
            throw new PthError('ForbiddenGlobal', `GLOBAL ${path} is not allowed: a .pth file may only name the PyTorch classes and functions torch.save uses for tensors and state dicts`);
          }
          stack.push(new PyGlobal(path, what));
          break;
        }
        case OP.REDUCE: {
          const args = pop();
          const fn = top();
          if (!(fn instanceof PyGlobal)) fail('InvalidPickle', `REDUCE calls a ${typeName(fn)}, which is not an allowed function`);
          if (!(args instanceof PyTuple)) fail('InvalidPickle', `REDUCE arguments must be a tuple, not ${typeName(args)}`);
          stack[stack.length - 1] = callGlobal(fn as PyGlobal, args as PyTuple);
          break;
        }
        case OP.NEWOBJ: {
          const args = pop();
          const cls = pop();
          stack.push(newObject(cls, args));
          break;
        }
        case OP.BUILD: {
          const state = pop();
          build(top(), state);
          break;
        }
        case OP.BINPERSID: stack.push(persistentLoad(pop())); break;
        case OP.MARK: marks.push(stack.length); break;
        case OP.TUPLE: stack.push(new PyTuple(popMark())); break;
        case OP.EMPTY_TUPLE: stack.push(new PyTuple([])); break;
        case OP.TUPLE1: stack.push(new PyTuple([pop()])); break;
        case OP.TUPLE2: {
          const b = pop(), a = pop();
          stack.push(new PyTuple([a, b]));
          break;
        }
        case OP.TUPLE3: {
          const c = pop(), b = pop(), a = pop();
          stack.push(new PyTuple([a, b, c]));
          break;
        }
        case OP.EMPTY_LIST: stack.push(new PyList()); break;
        case OP.EMPTY_DICT: stack.push(new PyDict(false)); break;
        case OP.EMPTY_SET: stack.push(new PySet(false)); break;
        case OP.APPEND: {
          const item = pop();
          const list = top();
          if (!(list instanceof PyList)) fail('InvalidPickle', `APPEND on a ${typeName(list)} (only lists can be appended to)`);
          (list as PyList).items.push(item);
          break;
        }
        case OP.APPENDS: {
          const items = popMark();
          const list = top();
          if (!(list instanceof PyList)) fail('InvalidPickle', `APPENDS on a ${typeName(list)} (only lists can be extended)`);
          for (const item of items) (list as PyList).items.push(item);
          break;
        }
        case OP.SETITEM: {
          const value = pop(), key = pop();
          const dict = top();
          if (!(dict instanceof PyDict)) fail('InvalidPickle', `SETITEM on a ${typeName(dict)} (only dicts have items)`);
          (dict as PyDict).set(key, value);
          break;
        }
        case OP.SETITEMS: {
          const items = popMark();
          const dict = top();
          if (!(dict instanceof PyDict)) fail('InvalidPickle', `SETITEMS on a ${typeName(dict)} (only dicts have items)`);
          if (items.length % 2) fail('InvalidPickle', 'SETITEMS with an odd number of values');
          for (let i = 0; i < items.length; i += 2) (dict as PyDict).set(items[i], items[i + 1]);
          break;
        }
        case OP.NONE: stack.push(null); break;
        case OP.NEWTRUE: stack.push(true); break;
        case OP.NEWFALSE: stack.push(false); break;
        case OP.BININT: stack.push(dv.getInt32(need(4), true)); break;
        case OP.BININT1: stack.push(data[need(1)]); break;
        case OP.BININT2: stack.push(dv.getUint16(need(2), true)); break;
        case OP.LONG1: {
          const n = data[need(1)];
          const start = need(n);
          stack.push(decodeLong(data.subarray(start, start + n)));
          break;
        }
        case OP.BINFLOAT: stack.push(dv.getFloat64(need(8), false)); break;
        case OP.BINUNICODE: stack.push(text(dv.getUint32(need(4), true))); break;
        case OP.SHORT_BINSTRING: stack.push(text(data[need(1)])); break;
        case OP.BINPUT: memo.set(data[need(1)], top()); break;
        case OP.LONG_BINPUT: memo.set(dv.getUint32(need(4), true), top()); break;
        case OP.BINGET: stack.push(memoGet(data[need(1)])); break;
        case OP.LONG_BINGET: stack.push(memoGet(dv.getUint32(need(4), true))); break;
        default:
          fail('UnsupportedOpcode', `opcode 0x${op.toString(16)} is not one a weights-only unpickler accepts`);
      }
    }
  } catch (e) {
    if (e instanceof PthError && e.file === undefined) throw new PthError(e.code, `${e.message} (data.pkl byte ${at})`, file);
    throw e;
  }
  throw new PthError('InvalidPickle', 'pickle ends without STOP (truncated)', file);
}
