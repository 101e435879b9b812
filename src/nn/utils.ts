/** Small helpers shared by nn: PyTorch's _single/_pair argument forms, reductions, and Python-style printing. */
import type { Tensor } from '../tensor.js';

/** An int or a tuple of ints, as PyTorch layer arguments accept (`3` or `[3, 3]`). */
export type IntOrTuple<N extends number> = number | (N extends 1 ? [number] : N extends 2 ? [number, number] : number[]);

/** PyTorch's _ntuple: repeats a single int n times, checks a tuple's length. */
export function ntuple(value: number | readonly number[], n: number, name: string): number[] {
  if (typeof value === 'number') return new Array<number>(n).fill(value);
  if (!Array.isArray(value) || value.length !== n) {
    throw new RangeError(`${name} must be an int or a tuple of ${n} ints, got ${JSON.stringify(value)}`);
  }
  return value.slice();
}
export const single = (v: number | readonly number[], name: string): number => ntuple(v, 1, name)[0];
export const pair = (v: number | readonly number[], name: string): [number, number] => ntuple(v, 2, name) as [number, number];

export type Reduction = 'none' | 'mean' | 'sum';

/** Validates a reduction argument with PyTorch's message. */
export function checkReduction(reduction: string): Reduction {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw new RangeError(`${reduction} is not a valid value for reduction`);
  }
  return reduction;
}

/** Applies a reduction to an elementwise loss. */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return loss.mean();
  if (reduction === 'sum') return loss.sum();
  return loss;
}

/** Python's repr() of a float: '0.1', '1.0', '1e-05', '1e+20' (the module prints must match PyTorch's). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const sign = exp < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** Python's repr() of an int, a tuple of ints (with None for null), as in `kernel_size=(3, 3)` or `(3,)`. */
export function pyValue(v: number | null | readonly (number | null)[]): string {
  if (v === null) return 'None';
  if (!Array.isArray(v)) return String(v);
  const items = (v as readonly (number | null)[]).map((x) => (x === null ? 'None' : String(x)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** torch.Size([2, 3]) as PyTorch prints it in Python-side error messages. */
export const pySize = (shape: readonly number[]): string => `torch.Size([${shape.join(', ')}])`;

/** The shape as ATen prints it in C++-side error messages: [2, 3]. */
export const cSize = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

const warned = new Set<string>();
/** Emits a warning once per message, as Python's default warning filter does. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'UserWarning');
}
