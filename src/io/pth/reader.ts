/**
 * Reading PyTorch checkpoints (torch.save since PyTorch 1.6): a zip archive with `<prefix>/data.pkl` (the
 * object, pickled), `<prefix>/data/<key>` (raw little-endian storages), `<prefix>/version` and, from newer
 * writers, `<prefix>/byteorder`. Order of work: validate the zip's directory, interpret the pickle with
 * the restricted unpickler (checking every tensor against its storage record), and only then read the
 * storages that reachable tensors use, straight from the file into native memory.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { PthError } from '../errors.js';
import { tensorFromByteSource } from '../raw.js';
import type { Tensor } from '../../tensor.js';
import { ANTORCHA_DTYPES } from './globals.js';
import { PyGlobal, PyStorage, PyTuple, typeName, type PyValue } from './py.js';
import { fileSource, memorySource, type ByteSource } from './source.js';
import { toJs } from './to_js.js';
import { unpickle } from './unpickler.js';
import { ZipArchive } from './zip_reader.js';

/** data.pkl above this is refused: it holds structure only, the tensor bytes live in other records. */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

/** What the first bytes of a file say it is. */
export type PthKind = 'zip' | 'legacy' | 'other';

/** How torch.save's legacy format begins: a protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
/** safetensors headers are at most 100 MB, so a larger little-endian length in front means another format. */
const SAFETENSORS_MAX_HEADER = 100_000_000n;

/**
 * Classifies a file by its first bytes: a zip archive (torch.save since 1.6), PyTorch's legacy format (the
 * pickle stream of 0.4 to 1.5, or the tar archive before), or something else (safetensors, say).
 *
 * NOTE: a safetensors file begins with its header length, which may look like a pickle's first two bytes
 * (a 640-byte header is 80 02 00 00 ...); only the legacy magic number, or a length no safetensors file
 * can have, makes it a pickle.
 *
 * @example
 * sniff(head) === 'zip'
 */
export function sniff(head: Uint8Array): PthKind {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) {
    if (LEGACY_MAGIC.every((b, i) => 2 + i >= head.length || head[2 + i] === b)) return 'legacy';
    if (head.length < 8) return 'legacy'; // too short for a safetensors file
    const length = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (length > SAFETENSORS_MAX_HEADER) return 'legacy';
  }
  const tarMember = new TextDecoder('latin1').decode(head.subarray(0, 9));
  const ustar = [0x75, 0x73, 0x74, 0x61, 0x72];
  if (tarMember === 'sys_info\0' && head.length >= 262 && ustar.every((b, i) => head[257 + i] === b)) return 'legacy';
  return 'other';
}

/** The error for pre-1.6 checkpoints. */
export function legacyError(file?: string): PthError {
  return new PthError(
    'LegacyFormat',
    'this is PyTorch\'s legacy (pre-1.6, non-zip) torch.save format, which antorcha does not read; load it in a recent ' +
      'PyTorch and save it again with torch.save (the zip format is the default since 1.6)',
    file,
  );
}

function readArchive(src: ByteSource): unknown {
  const { file } = src;
  const head = src.bytes(0, Math.min(src.size, 512));
  const kind = sniff(head);
  if (kind === 'legacy') throw legacyError(file);
  if (kind !== 'zip') throw new PthError('NotZip', 'not a PyTorch checkpoint (no zip signature at the start)', file);
  const zip = new ZipArchive(src);
  const first = zip.entries.keys().next().value;
  const slash = first === undefined ? -1 : first.indexOf('/');
  if (first === undefined || slash <= 0) throw new PthError('MissingRecord', 'archive has no <name>/data.pkl record', file);
  const prefix = first.slice(0, slash);
  const pkl = zip.get(`${prefix}/data.pkl`);
  if (zip.get(`${prefix}/constants.pkl`) || [...zip.entries.keys()].some((n) => n.startsWith(`${prefix}/code/`))) {
    throw new PthError('TorchScriptArchive', 'this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save the model\'s state_dict() with torch.save instead', file);
  }
  if (!pkl) throw new PthError('MissingRecord', `archive has no ${prefix}/data.pkl record`, file);
  const order = zip.get(`${prefix}/byteorder`);
  if (order) {
    const text = new TextDecoder().decode(zip.readAll(order, 16)).trim();
    if (text !== 'little') throw new PthError('InvalidStorage', `storages are ${JSON.stringify(text)}-endian; only little-endian checkpoints are read`, file);
  }

  const storages = new Map<string, PyStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const items = pid instanceof PyTuple ? pid.items : null;
    if (items === null || items[0] !== 'storage') {
      throw new PthError('InvalidPickle', `persistent id must be a ('storage', ...) tuple, not ${typeName(pid)}`);
    }
    const [, type, key, location, numel] = items;
    if (items.length !== 5 || !(type instanceof PyGlobal) || type.what.kind !== 'storage' || typeof key !== 'string' ||
      typeof location !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new PthError('InvalidStorage', 'persistent id must be (\'storage\', <storage class>, key, location, numel)');
    }
    const storageType = type.what.type;
    const seen = storages.get(key);
    if (seen) {
      if (seen.type !== storageType || seen.numel !== numel) {
        throw new PthError('InvalidStorage', `storage '${key}' is described twice, differently (torch.${seen.type.className}[${seen.numel}] and torch.${storageType.className}[${numel}])`);
      }
      return seen;
    }
    const record = `${prefix}/data/${key}`;
    const entry = zip.get(record);
    if (!entry) throw new PthError('MissingRecord', `storage '${key}' has no ${record} record`);
    const nbytes = numel * storageType.itemsize;
    if (entry.size !== nbytes) {
      throw new PthError('InvalidStorage', `storage '${key}' is torch.${storageType.className} of ${numel} elements (${nbytes} bytes) but ${record} holds ${entry.size} bytes`);
    }
    const storage = new PyStorage(key, storageType, numel, record);
    storages.set(key, storage);
    return storage;
  };

  const value = unpickle(zip.readAll(pkl, MAX_PICKLE_BYTES), persistentLoad, file);
  const load = (s: PyStorage): Tensor => {
    const entry = zip.get(s.record)!;
    // Small chunks keep each piece in cache between the file read, the CRC and the copy into native memory.
    return tensorFromByteSource(ANTORCHA_DTYPES[s.type.torchDType], [s.numel], zip.sequentialReader(entry), 1 << 22);
  };
  return toJs(value, load, file);
}

/**
 * Loads a PyTorch checkpoint from bytes in memory (torch.load with `weights_only=True`).
 *
 * @example
 * const sd = pth.deserialize(readFileSync('model.pth')) as Record<string, Tensor>;
 */
export function deserialize(bytes: Uint8Array): unknown {
  return readArchive(memorySource(bytes));
}

/**
 * Loads a `.pth` / `.pt` file written by torch.save (PyTorch 1.6 or later), like PyTorch's
 * `torch.load(path, map_location='cpu', weights_only=True)`: state dicts come back as plain objects in their
 * key order (JavaScript puts integer-like string keys such as "10" first; dicts with a non-string key
 * come back as Maps, in order), tensors keep their dtype, and views that shared a storage share memory.
 * Parameters become tensors keeping `requires_grad`; Python ints beyond 2^53 become bigints; attributes
 * set on an OrderedDict (a state dict's `_metadata`, module versions) are checked to be a dict and
 * dropped. Nothing in the file is executed; anything other than data gives a PthError.
 *
 * @example
 * const sd = pth.loadFile('resnet18.pth') as Record<string, Tensor>;
 * model.loadStateDict(sd);
 */
export function loadFile(path: string): unknown {
  const fd = openSync(path, 'r');
  try {
    return readArchive(fileSource(fd, fstatSync(fd).size, path));
  } finally {
    closeSync(fd);
  }
}
