/** The default collate function: merges a list of samples into one batch (torch's default_collate). */
import { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { getDefaultDType } from '../dtype.js';
import { fromValues } from '../ops/creation.js';
import { stack } from '../ops/indexing.js';
import { formatShape } from '../layout.js';

/** The batch type that defaultCollate makes from samples of type T. */
export type Collated<T> =
  0 extends 1 & T ? any // T is any (e.g. a Compose output): keep the batch untyped too
  : T extends Tensor ? Tensor
    : T extends number | boolean | bigint ? Tensor
      : T extends string ? string[]
        : T extends ArrayBufferView ? Tensor
          : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
            : T extends Map<infer K, infer V> ? Map<K, Collated<V>>
              : T extends object ? { [K in keyof T]: Collated<T[K]> }
                : T[];

function typedArrayDType(v: ArrayBufferView): DType | null {
  if (v instanceof Float32Array) return 'float32';
  if (v instanceof Float64Array) return 'float64';
  if (v instanceof Int32Array) return 'int32';
  if (v instanceof Uint8Array) return 'uint8';
  if (v instanceof BigInt64Array) return 'int64';
  return null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

/**
 * Stacks tensors along a new first dim; numbers become a tensor (int64 when all are integers, labels
 * included, else the default float dtype); booleans a bool tensor; arrays, Maps and plain objects are
 * collated element by element; strings stay a list.
 *
 * @example
 * defaultCollate([[torch.zeros([3]), 1], [torch.ones([3]), 0]]); // [Tensor [2, 3], Tensor [2] int64]
 */
export function defaultCollate<T>(samples: T[]): Collated<T> {
  return collate(samples as unknown[]) as Collated<T>;
}

function collate(samples: unknown[]): unknown {
  if (samples.length === 0) throw new RangeError('defaultCollate: empty batch');
  const first = samples[0];
  const sameKind = (check: (v: unknown) => boolean, what: string): void => {
    samples.forEach((s, i) => {
      if (!check(s)) throw new TypeError(`defaultCollate: sample ${i} is a ${describe(s)} where sample 0 is a ${what}`);
    });
  };
  if (first instanceof Tensor) {
    sameKind((s) => s instanceof Tensor, 'Tensor');
    const ts = samples as Tensor[];
    const bad = ts.findIndex((t) => t.shape.length !== first.shape.length || t.shape.some((d, j) => d !== first.shape[j]));
    if (bad >= 0) {
      throw new RangeError(`defaultCollate: stack expects each tensor to be equal size, but got ${formatShape(first.shape)} at entry 0 and ${formatShape(ts[bad].shape)} at entry ${bad}`);
    }
    return stack(ts, 0);
  }
  switch (typeof first) {
    case 'number': {
      sameKind((s) => typeof s === 'number', 'number');
      const nums = samples as number[];
      return fromValues(nums, [nums.length], nums.every(Number.isInteger) ? 'int64' : getDefaultDType());
    }
    case 'boolean':
      sameKind((s) => typeof s === 'boolean', 'boolean');
      return fromValues(samples as boolean[], [samples.length], 'bool');
    case 'bigint':
      sameKind((s) => typeof s === 'bigint', 'bigint');
      return fromValues(samples as bigint[], [samples.length], 'int64');
    case 'string':
      return samples.slice();
    default:
      break;
  }
  if (first === null || first === undefined) return samples.slice();
  if (ArrayBuffer.isView(first)) {
    const dtype = typedArrayDType(first);
    if (dtype === null) throw new TypeError(`defaultCollate: cannot collate a ${describe(first)}`);
    const len = (first as unknown as ArrayLike<number>).length;
    sameKind((s) => ArrayBuffer.isView(s) && s.constructor === first.constructor && (s as unknown as ArrayLike<number>).length === len, `${describe(first)} of length ${len}`);
    const values: (number | bigint)[] = [];
    for (const s of samples) values.push(...Array.from(s as unknown as ArrayLike<number | bigint>));
    return fromValues(values, [samples.length, len], dtype);
  }
  if (Array.isArray(first)) {
    sameKind((s) => Array.isArray(s) && s.length === first.length, `list of length ${first.length} (each element in list of batch should be of equal size)`);
    return first.map((_, j) => collate(samples.map((s) => (s as unknown[])[j])));
  }
  if (first instanceof Map) {
    sameKind((s) => s instanceof Map, 'Map');
    const out = new Map<unknown, unknown>();
    for (const key of first.keys()) out.set(key, collate(samples.map((s) => (s as Map<unknown, unknown>).get(key))));
    return out;
  }
  if (Object.getPrototypeOf(first) === Object.prototype) {
    sameKind((s) => s !== null && typeof s === 'object' && Object.getPrototypeOf(s) === Object.prototype, 'plain object');
    return Object.fromEntries(Object.keys(first).map((key) => [key, collate(samples.map((s) => (s as Record<string, unknown>)[key]))]));
  }
  throw new TypeError(`defaultCollate: batch must contain tensors, numbers, booleans, strings, arrays, Maps or plain objects; found ${describe(first)}`);
}
