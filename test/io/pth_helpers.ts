/** Helpers shared by the .pth tests: packing hand-made pickles into archives, freeing loaded values. */
import { Tensor } from '../../src/index.js';
import { ZipWriter, memorySink } from '../../src/io/pth/zip_writer.js';

/** A torch.save-style archive (prefix `archive`) holding `pkl` as data.pkl and the given storage records. */
export function zipPickle(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const mem = memorySink();
  const zip = new ZipWriter(mem.sink);
  zip.add('archive/data.pkl', pkl.length, (emit) => emit(pkl));
  for (const [key, data] of Object.entries(storages)) zip.add(`archive/data/${key}`, data.length, (emit) => emit(data));
  zip.add('archive/version', 2, (emit) => emit(new Uint8Array([0x33, 0x0a])));
  zip.finish();
  return mem.bytes();
}

/** Disposes every tensor found in nested arrays, Maps, Sets and plain objects (at any depth). */
export function disposeAll(value: unknown, seen: Set<unknown> = new Set()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) value.dispose();
  else if (Array.isArray(value) || value instanceof Set) for (const v of value) disposeAll(v, seen);
  else if (value instanceof Map) for (const [k, v] of value) { disposeAll(k, seen); disposeAll(v, seen); }
  else if (!ArrayBuffer.isView(value)) for (const v of Object.values(value)) disposeAll(v, seen);
}
