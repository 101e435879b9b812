/**
 * Typed entry points to the native kernels. Each writes its arguments on the tape in the order the C++
 * kernel reads them (native/cpu/*.cc), then makes the single `run()` call.
 */
import { dtypeCode } from '../dtype.js';
import { BinaryFn, Kernel, ReduceFn, UnaryFn } from '../generated/kernel_ids.js';
import type { BinaryFnName, ReduceFnName, UnaryFnName } from '../generated/kernel_ids.js';
import type { DType } from '../dtype.js';
import { addon, tape } from './native.js';

/** What a kernel needs of a tensor: a storage handle and a layout (tensors qualify, and so do bare views). */
export interface Operand {
  readonly storage: { readonly handle: number };
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}
type Tensor = Operand;

const t = tape.data;

function begin(kernel: number): void {
  t[0] = kernel;
  tape.pos = 1;
}

function num(v: number): void {
  t[tape.pos++] = v;
}

function tensor(x: Tensor): void {
  const shape = x.shape, strides = x.strides, n = shape.length;
  let p = tape.pos;
  t[p++] = x.storage.handle;
  t[p++] = dtypeCode[x.dtype];
  t[p++] = n;
  t[p++] = x.offset;
  for (let i = 0; i < n; i++) t[p++] = shape[i];
  for (let i = 0; i < n; i++) t[p++] = strides[i];
  tape.pos = p;
}

export function fill(out: Tensor, value: number): void {
  begin(Kernel.fill);
  tensor(out);
  num(value);
  addon.run();
}

/** out <- src, converting dtype; both have the same shape (src may be broadcast). */
export function copy(out: Tensor, src: Tensor): void {
  begin(Kernel.copy);
  tensor(out);
  tensor(src);
  addon.run();
}

export function unary(fn: UnaryFnName, out: Tensor, x: Tensor): void {
  begin(Kernel.unary);
  num(UnaryFn[fn]);
  tensor(out);
  tensor(x);
  addon.run();
}

export function binary(fn: BinaryFnName, out: Tensor, a: Tensor, b: Tensor): void {
  begin(Kernel.binary);
  num(BinaryFn[fn]);
  tensor(out);
  tensor(a);
  tensor(b);
  addon.run();
}

export function binaryScalar(fn: BinaryFnName, out: Tensor, a: Tensor, scalar: number): void {
  begin(Kernel.binaryScalar);
  num(BinaryFn[fn]);
  tensor(out);
  tensor(a);
  num(scalar);
  addon.run();
}

export function where(out: Tensor, cond: Tensor, a: Tensor, b: Tensor): void {
  begin(Kernel.where);
  tensor(out);
  tensor(cond);
  tensor(a);
  tensor(b);
  addon.run();
}

export function clamp(out: Tensor, x: Tensor, min: number | null, max: number | null): void {
  begin(Kernel.clamp);
  tensor(out);
  tensor(x);
  num(min ?? 0);
  num(max ?? 0);
  num(min === null ? 0 : 1);
  num(max === null ? 0 : 1);
  addon.run();
}

/** Reduces the last `nreduced` dims of x into the contiguous out. */
export function reduce(fn: ReduceFnName, out: Tensor, x: Tensor, nreduced: number): void {
  begin(Kernel.reduce);
  num(ReduceFn[fn]);
  tensor(out);
  tensor(x);
  num(nreduced);
  addon.run();
}

/** max/min with indices over the last dim of x. */
export function argReduce(fn: 'max' | 'min', values: Tensor | null, indices: Tensor, x: Tensor): void {
  begin(Kernel.argReduce);
  num(ReduceFn[fn]);
  num(values ? 1 : 0);
  if (values) tensor(values);
  tensor(indices);
  tensor(x);
  addon.run();
}

export function softmax(out: Tensor, x: Tensor, dim: number, log: boolean): void {
  begin(log ? Kernel.logSoftmax : Kernel.softmax);
  tensor(out);
  tensor(x);
  num(dim);
  addon.run();
}

export function matmul(out: Tensor, a: Tensor, b: Tensor): void {
  begin(Kernel.matmul);
  tensor(out);
  tensor(a);
  tensor(b);
  addon.run();
}

export function indexSelect(out: Tensor, x: Tensor, index: Tensor, dim: number): void {
  begin(Kernel.indexSelect);
  tensor(out);
  tensor(x);
  tensor(index);
  num(dim);
  addon.run();
}

export function indexAdd(out: Tensor, index: Tensor, src: Tensor, dim: number): void {
  begin(Kernel.indexAdd);
  tensor(out);
  tensor(index);
  tensor(src);
  num(dim);
  addon.run();
}

export function gather(out: Tensor, x: Tensor, index: Tensor, dim: number): void {
  begin(Kernel.gather);
  tensor(out);
  tensor(x);
  tensor(index);
  num(dim);
  addon.run();
}

export function scatter(out: Tensor, index: Tensor, src: Tensor, dim: number, add: boolean): void {
  begin(add ? Kernel.scatterAdd : Kernel.scatter);
  tensor(out);
  tensor(index);
  tensor(src);
  num(dim);
  addon.run();
}

export function randUniform(out: Tensor, from: number, to: number): void {
  begin(Kernel.randUniform);
  tensor(out);
  num(from);
  num(to);
  addon.run();
}

export function randNormal(out: Tensor, mean: number, std: number): void {
  begin(Kernel.randNormal);
  tensor(out);
  num(mean);
  num(std);
  addon.run();
}

export function randInt(out: Tensor, low: number, high: number): void {
  begin(Kernel.randInt);
  tensor(out);
  num(low);
  num(high);
  addon.run();
}

export function manualSeed(seed: number): void {
  begin(Kernel.manualSeed);
  num(seed);
  addon.run();
}
