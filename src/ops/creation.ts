/** Tensor creation: from JavaScript data, constants, ranges and random numbers. */
import type { DType } from '../dtype.js';
import { checkDType, getDefaultDType, isFloating, itemsize, typedArrayFor } from '../dtype.js';
import { floatToBf16Bits, floatToF16Bits } from '../half.js';
import { addon } from '../backend/native.js';
import * as k from '../backend/kernels.js';
import type { Tensor } from '../tensor.js';
import { empty as emptyRaw } from './dispatch.js';
import { formatShape } from '../layout.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  device?: string;
}

type Nested = number | boolean | bigint | Nested[];
export type TensorData = Nested | ArrayBufferView;

function finish(t: Tensor, options?: TensorOptions): Tensor {
  if (options?.device !== undefined && !String(options.device).startsWith('cpu')) {
    throw new Error(`device '${options.device}' is not available: antorcha was built for the CPU only here`);
  }
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function sizesOf(args: (number | number[] | TensorOptions | undefined)[]): { shape: number[]; options?: TensorOptions } {
  let options: TensorOptions | undefined;
  const dims: number[] = [];
  for (const a of args) {
    if (a === undefined) continue;
    if (Array.isArray(a)) dims.push(...a);
    else if (typeof a === 'number') dims.push(a);
    else options = a;
  }
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`invalid size ${formatShape(dims)}: sizes must be non-negative integers`);
  }
  return { shape: dims, options };
}

export type SizeArgs = (number | number[] | TensorOptions | undefined)[];

/** Uninitialised tensor. @example torch.empty([2, 3]) */
export function empty(...args: SizeArgs): Tensor {
  const { shape, options } = sizesOf(args);
  return finish(emptyRaw(shape, options?.dtype ? checkDType(options.dtype) : getDefaultDType()), options);
}

/** Tensor filled with `value`. @example torch.full([2, 2], 7) */
export function full(shape: number[], value: number | boolean, options?: TensorOptions): Tensor {
  const dtype = options?.dtype ? checkDType(options.dtype)
    : typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int64' : getDefaultDType();
  const t = emptyRaw(sizesOf([shape]).shape, dtype);
  k.fill(t, Number(value));
  return finish(t, options);
}

/** @example torch.zeros(2, 3) */
export function zeros(...args: SizeArgs): Tensor {
  const { shape, options } = sizesOf(args);
  return full(shape, 0, { ...options, dtype: options?.dtype ?? getDefaultDType() });
}

/** @example torch.ones([4]) */
export function ones(...args: SizeArgs): Tensor {
  const { shape, options } = sizesOf(args);
  return full(shape, 1, { ...options, dtype: options?.dtype ?? getDefaultDType() });
}

export function zerosLike(t: Tensor, options?: TensorOptions): Tensor {
  return full(t.shape, 0, { ...options, dtype: options?.dtype ?? t.dtype });
}
export function onesLike(t: Tensor, options?: TensorOptions): Tensor {
  return full(t.shape, 1, { ...options, dtype: options?.dtype ?? t.dtype });
}
export function fullLike(t: Tensor, value: number, options?: TensorOptions): Tensor {
  return full(t.shape, value, { ...options, dtype: options?.dtype ?? t.dtype });
}
export function emptyLike(t: Tensor, options?: TensorOptions): Tensor {
  return finish(emptyRaw(t.shape.slice(), options?.dtype ?? t.dtype), options);
}

/** Writes JavaScript numbers into a new tensor of the given dtype. */
export function fromValues(values: ArrayLike<number | boolean | bigint>, shape: number[], dtype: DType): Tensor {
  const n = values.length;
  const arr = typedArrayFor(dtype, n);
  if (dtype === 'bfloat16' || dtype === 'float16') {
    const conv = dtype === 'bfloat16' ? floatToBf16Bits : floatToF16Bits;
    for (let i = 0; i < n; i++) arr[i] = conv(Number(values[i]));
  } else if (dtype === 'int64') {
    const a = arr as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      a[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    }
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) arr[i] = values[i] ? 1 : 0;
  } else if (dtype === 'int32' || dtype === 'uint8') {
    for (let i = 0; i < n; i++) arr[i] = Math.trunc(Number(values[i]));
  } else {
    for (let i = 0; i < n; i++) arr[i] = Number(values[i]);
  }
  const t = emptyRaw(shape, dtype);
  if (n > 0) addon.copyIn(t.storage.handle, 0, arr);
  return t;
}

function inferDType(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  let sawFloat = false, sawBool = false, sawInt = false;
  const visit = (d: Nested): void => {
    if (Array.isArray(d)) d.forEach(visit);
    else if (typeof d === 'boolean') sawBool = true;
    else if (typeof d === 'bigint') sawInt = true;
    else if (Number.isInteger(d)) sawInt = true;
    else sawFloat = true;
  };
  visit(data as Nested);
  if (sawFloat) return getDefaultDType();
  if (sawInt) return 'int64';
  if (sawBool) return 'bool';
  return getDefaultDType();
}

function flattenNested(data: Nested): { values: (number | boolean | bigint)[]; shape: number[] } {
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0];
  }
  const values: (number | boolean | bigint)[] = [];
  const walk = (x: Nested, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(x)) throw new RangeError('tensor(): nested arrays are ragged (all rows must have the same length)');
      values.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new RangeError(`tensor(): nested arrays are ragged: expected length ${shape[depth]} at depth ${depth}`);
    }
    for (const v of x) walk(v, depth + 1);
  };
  walk(data, 0);
  return { values, shape };
}

/**
 * Creates a tensor from nested arrays, a typed array or a scalar (torch.tensor).
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]], { dtype: 'float32', requiresGrad: true });
 */
export function tensor(data: TensorData, options?: TensorOptions): Tensor {
  // JavaScript cannot tell 1.0 from 1: a tensor that asks for gradients is floating unless told otherwise.
  const inferred = inferDType(data);
  const dtype = options?.dtype ? checkDType(options.dtype)
    : options?.requiresGrad && !isFloating(inferred) ? getDefaultDType() : inferred;
  let t: Tensor;
  if (ArrayBuffer.isView(data)) {
    const values = data as unknown as ArrayLike<number | bigint>;
    t = fromValues(values, [values.length], dtype);
  } else {
    const { values, shape } = flattenNested(data as Nested);
    t = fromValues(values, shape, dtype);
  }
  if (options?.requiresGrad && !isFloating(dtype)) {
    throw new TypeError(`only Tensors of floating point dtype can require gradients (got ${dtype})`);
  }
  return finish(t, options);
}

/** Values start, start+step, ... below end (torch.arange). @example torch.arange(0, 10, 2) */
export function arange(start: number, end?: number, step = 1, options?: TensorOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  if ((step > 0 && end < start) || (step < 0 && end > start)) throw new RangeError('arange: upper bound and larger bound inconsistent with step sign');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = options?.dtype ?? (allInt ? 'int64' : getDefaultDType());
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(fromValues(values, [n], dtype), options);
}

/** `steps` evenly spaced values from start to end inclusive (torch.linspace). */
export function linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError('linspace: number of steps must be non-negative');
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  // As ATen does: from the start for the first half, from the end for the rest (symmetric rounding).
  for (let i = 0; i < steps; i++) values[i] = i < half ? start + step * i : end - step * (steps - i - 1);
  return finish(fromValues(values, [steps], options?.dtype ?? getDefaultDType()), options);
}

/** Identity matrix (torch.eye). */
export function eye(n: number, m = n, options?: TensorOptions): Tensor {
  const values = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(fromValues(values, [n, m], options?.dtype ?? getDefaultDType()), options);
}

/** Seeds the default generator; every random op after it is reproducible. @example torch.manualSeed(0) */
export function manualSeed(seed: number | bigint): void {
  const s = typeof seed === 'bigint' ? Number(BigInt.asUintN(64, seed) & 0xffffffffn) : seed;
  if (!Number.isFinite(s)) throw new RangeError('manualSeed expects a finite integer');
  k.manualSeed(((Math.trunc(s) % 4294967296) + 4294967296) % 4294967296);
}

function randomFloat(shape: number[], options: TensorOptions | undefined, fill: (t: Tensor) => void): Tensor {
  const dtype = options?.dtype ? checkDType(options.dtype) : getDefaultDType();
  if (!isFloating(dtype)) throw new TypeError(`random floats need a floating dtype, got ${dtype}`);
  const t = emptyRaw(shape, dtype);
  fill(t);
  return finish(t, options);
}

/** Uniform samples in [0, 1). @example torch.rand(2, 3) */
export function rand(...args: SizeArgs): Tensor {
  const { shape, options } = sizesOf(args);
  return randomFloat(shape, options, (t) => k.randUniform(t, 0, 1));
}

/** Standard normal samples. @example torch.randn([64, 3, 32, 32]) */
export function randn(...args: SizeArgs): Tensor {
  const { shape, options } = sizesOf(args);
  return randomFloat(shape, options, (t) => k.randNormal(t, 0, 1));
}

/** Random integers in [low, high) (int64 by default). @example torch.randint(0, 10, [5]) */
export function randint(low: number, high: number, shape: number[], options?: TensorOptions): Tensor {
  if (!(high > low)) throw new RangeError(`randint: expected low < high, got low=${low} high=${high}`);
  const t = emptyRaw(sizesOf([shape]).shape, options?.dtype ?? 'int64');
  k.randInt(t, low, high);
  return finish(t, options);
}

export function randLike(t: Tensor, options?: TensorOptions): Tensor {
  return rand(t.shape, { ...options, dtype: options?.dtype ?? t.dtype });
}
export function randnLike(t: Tensor, options?: TensorOptions): Tensor {
  return randn(t.shape, { ...options, dtype: options?.dtype ?? t.dtype });
}
export function randintLike(t: Tensor, low: number, high: number, options?: TensorOptions): Tensor {
  return randint(low, high, t.shape, { ...options, dtype: options?.dtype ?? t.dtype });
}

/** A random permutation of 0..n-1 (int64), from the default generator. */
export function randperm(n: number, options?: TensorOptions): Tensor {
  const keys = rand([n], { dtype: 'float64' });
  const values = keys.dataSync() as Float64Array;
  keys.dispose();
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  return fromValues(order, [n], options?.dtype ?? 'int64');
}

export { itemsize };
