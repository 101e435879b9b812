/**
 * Writing a kernel call on the shared argument tape: the kernel id, then numbers and tensors (storage handle,
 * dtype, rank, offset, shape, strides) in the order the C++ kernel reads them (ArgReader in native/cpu/tensor_arg.cc).
 */
import { dtypeCode } from '../dtype.js';
import type { DType } from '../dtype.js';
import { tape } from './native.js';

/** What a kernel needs of a tensor: a storage handle and a layout (tensors qualify, and so do bare views). */
export interface Operand {
  readonly storage: { readonly handle: number };
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

const t = tape.data;

/** Starts a call of `kernel` (an id from generated/kernel_ids.ts). */
export function begin(kernel: number): void {
  t[0] = kernel;
  tape.pos = 1;
}

/** Appends a number (a flag, size or scalar argument). */
export function num(v: number): void {
  t[tape.pos++] = v;
}

/** Appends a tensor's storage handle and layout. */
export function tensor(x: Operand): void {
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
