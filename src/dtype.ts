/** Element types, their sizes, and PyTorch's type-promotion rules. */
import { DType as DTypeCode } from './generated/kernel_ids.js';

/** The dtypes a tensor can hold. `float32` is the default. */
export type DType = 'float32' | 'float64' | 'bfloat16' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

export const dtypeCode: Record<DType, number> = DTypeCode;

const itemsizes: Record<DType, number> = {
  float32: 4, float64: 8, bfloat16: 2, float16: 2, int64: 8, int32: 4, uint8: 1, bool: 1,
};

export function itemsize(dtype: DType): number {
  return itemsizes[dtype];
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'bfloat16' || dtype === 'float16';
}

export function isIntegral(dtype: DType, includeBool = false): boolean {
  return dtype === 'int64' || dtype === 'int32' || dtype === 'uint8' || (includeBool && dtype === 'bool');
}

export function checkDType(dtype: string): DType {
  if (!(dtype in itemsizes)) {
    throw new TypeError(`unknown dtype '${dtype}'; expected one of ${Object.keys(itemsizes).join(', ')}`);
  }
  return dtype as DType;
}

let defaultDType: DType = 'float32';
/** The dtype of floating tensors created without an explicit dtype (torch.get_default_dtype). */
export function getDefaultDType(): DType {
  return defaultDType;
}
/** Sets the default floating dtype; only float32 and float64 are accepted, as in PyTorch. */
export function setDefaultDType(dtype: DType): void {
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError('only float32 and float64 can be the default dtype');
  defaultDType = dtype;
}

// Lattice position: bool < uint8 < int32 < int64 < (float16 | bfloat16) < float32 < float64.
const rank: Record<DType, number> = {
  bool: 0, uint8: 1, int32: 2, int64: 3, float16: 4, bfloat16: 4, float32: 5, float64: 6,
};

/** torch.promote_types for the dtypes antorcha has. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if ((a === 'float16' && b === 'bfloat16') || (a === 'bfloat16' && b === 'float16')) return 'float32';
  return rank[a] >= rank[b] ? a : b;
}

/** A number operand counts as an integer scalar when it is integral, else as a float scalar. */
export function scalarDType(value: number | boolean): DType {
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int64' : getDefaultDType();
}

/** Combines a higher-priority result with a lower-priority one, as ATen's combine_categories does. */
function combine(higher: DType | null, lower: DType | null): DType | null {
  if (higher === null) return lower;
  if (lower === null) return higher;
  if (isFloating(higher)) return higher;
  if (higher === 'bool' || isFloating(lower)) return promoteTypes(higher, lower);
  return higher;
}

/** Operand as seen by type promotion: a tensor's dtype and rank, or a plain JavaScript scalar. */
export type PromotionOperand = { dtype: DType; ndim: number } | number | boolean;

/**
 * torch.result_type: tensors with dimensions outrank 0-d tensors, which outrank scalars; a lower tier only
 * matters when its category (bool < integer < floating) is higher.
 */
export function resultType(...operands: PromotionOperand[]): DType {
  let dim: DType | null = null, zero: DType | null = null, wrapped: DType | null = null;
  for (const op of operands) {
    if (typeof op === 'number' || typeof op === 'boolean') {
      const d = scalarDType(op);
      wrapped = wrapped === null ? d : promoteTypes(wrapped, d);
    } else if (op.ndim === 0) {
      zero = zero === null ? op.dtype : promoteTypes(zero, op.dtype);
    } else {
      dim = dim === null ? op.dtype : promoteTypes(dim, op.dtype);
    }
  }
  const result = combine(dim, combine(zero, wrapped));
  if (result === null) throw new TypeError('resultType needs at least one operand');
  return result;
}

/** The typed array that holds a dtype's elements in JavaScript (16-bit floats as raw Uint16 bits). */
export type ElementArray =
  | Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

export function typedArrayFor(dtype: DType, length: number): ElementArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'bfloat16': case 'float16': return new Uint16Array(length);
    case 'int64': return new BigInt64Array(length);
    case 'int32': return new Int32Array(length);
    case 'uint8': case 'bool': return new Uint8Array(length);
  }
}
