/** Elementwise operations with broadcasting and type promotion, and the in-place forms. */
import type { DType } from '../dtype.js';
import { getDefaultDType, isFloating, resultType } from '../dtype.js';
import type { BinaryFnName, UnaryFnName } from '../generated/kernel_ids.js';
import * as k from '../backend/kernels.js';
import type { Operand } from '../backend/kernels.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';
import { broadcastShapes, expandStrides, formatShape, sameShape } from '../layout.js';
import { empty, emptyLayoutLike, needsGrad, record } from './dispatch.js';
import { toDType } from './views.js';
import type { OpAttrs, OpName, UnaryName } from './table.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { fromValues } from './creation.js';

/** A layout-only broadcast view for a kernel (no tensor object, no graph). */
function broadcastOperand(t: Tensor, shape: number[]): Operand {
  if (sameShape(t.shape, shape)) return t;
  const strides = expandStrides(t.shape, t.strides, shape)!;
  return { storage: t.storage, dtype: t.dtype, shape, strides, offset: t.offset };
}

function canCast(from: DType, to: DType): boolean {
  if (isFloating(from) && !isFloating(to)) return false;
  if (from !== 'bool' && to === 'bool') return false;
  return true;
}

function checkOut(out: Tensor, shape: number[], dtype: DType, op: string): void {
  if (!sameShape(out.shape, shape)) {
    throw new RangeError(`${op}: output with shape ${formatShape(out.shape)} doesn't match the broadcast shape ${formatShape(shape)}`);
  }
  if (!canCast(dtype, out.dtype)) throw new TypeError(`${op}: result type ${dtype} can't be cast to the desired output type ${out.dtype}`);
}

const comparisons = new Set<BinaryFnName>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor']);
const floatResult = new Set<BinaryFnName>(['div', 'atan2']);
const tensorOps: Partial<Record<BinaryFnName, OpName>> = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', pow: 'pow', maximum: 'maximum', minimum: 'minimum',
  atan2: 'atan2', remainder: 'remainder', fmod: 'fmod',
};

/** If src shares memory with out through a different layout, an in-place kernel would read what it wrote. */
function unaliased(src: Tensor, out: Tensor | undefined): Tensor {
  if (!out || src === out || src.storage !== out.storage) return src;
  if (src.offset === out.offset && sameShape(src.strides, out.strides) && sameShape(src.shape, out.shape)) return src;
  return src.clone();
}

function integerDivisionCheck(fn: BinaryFnName, dtype: DType, divisor: Tensor | number): void {
  if (isFloating(dtype) || !(fn === 'remainder' || fn === 'fmod' || fn === 'floorDivide')) return;
  const zero = typeof divisor === 'number' ? divisor === 0 : divisor.eq(0).any().item() !== 0;
  if (zero) throw new RangeError('ZeroDivisionError: integer division or modulo by zero');
}

/** Tensor (op) scalar through the scalar kernel; `reverse` computes scalar (op) tensor. */
function scalarOp(fn: BinaryFnName, a: Tensor, s: number | boolean, out?: Tensor): Tensor {
  const value = Number(s);
  let dtype = resultType(a, s);
  if (floatResult.has(fn) && !isFloating(dtype)) dtype = getDefaultDType();
  const isCompare = comparisons.has(fn);
  if (fn === 'sub' && (dtype === 'bool')) throw new TypeError('Subtraction, the `-` operator, with a bool tensor is not supported.');
  const x = a.dtype === dtype ? a : toDType(a, dtype);
  integerDivisionCheck(fn, dtype, value);
  const resultDType = isCompare ? 'bool' : dtype;
  if (out) checkOut(out, a.shape, resultDType, fn);
  const target = out && out.dtype === resultDType ? out : emptyLayoutLike(x, resultDType);
  // Subtraction by a scalar is addition of its negation (bitwise identical in IEEE arithmetic).
  if (fn === 'sub') k.binaryScalar('add', target, x, -value);
  else k.binaryScalar(fn, target, x, value);
  if (out && target !== out) {
    k.copy(out, target);
    target.dispose();
  }
  const result = out ?? target;
  if (!out && !isCompare) recordScalar(fn, result, x, value);
  return result;
}

function recordScalar(fn: BinaryFnName, out: Tensor, x: Tensor, value: number): void {
  if (!needsGrad([x])) return;
  switch (fn) {
    case 'add': return record('addScalar', [out], [x], { value });
    case 'sub': return record('addScalar', [out], [x], { value: -value });
    case 'mul': return record('mulScalar', [out], [x], { value });
    case 'div': return record('divScalar', [out], [x], { value });
    case 'pow': return record('powScalar', [out], [x], { exponent: value });
    case 'rpow': return record('rpowScalar', [out], [x], { base: value });
    case 'rsub': return record('rsubScalar', [out], [x], { value });
    case 'remainder': return record('remainderScalar', [out], [x], {});
    case 'fmod': return record('fmodScalar', [out], [x], {});
    default: throw new Error(`${fn} with a scalar operand is not differentiable`);
  }
}

/** a (fn) b with broadcasting; b may be a JavaScript scalar. Writes into `out` when given (no graph). */
export function binaryOp(fn: BinaryFnName, a: Tensor, b: TensorOrScalar, out?: Tensor): Tensor {
  if (!(b instanceof Tensor)) return scalarOp(fn, a, b, out);
  let dtype = a.dtype === b.dtype ? a.dtype : resultType(a, b);
  if (floatResult.has(fn) && !isFloating(dtype)) dtype = getDefaultDType();
  if (fn === 'sub' && a.dtype === 'bool' && b.dtype === 'bool') {
    throw new TypeError('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
  }
  const shape = sameShape(a.shape, b.shape) ? a.shape.slice() : broadcastShapes(a.shape, b.shape, fn);
  const isCompare = comparisons.has(fn);
  const resultDType = isCompare ? 'bool' : dtype;
  if (out) checkOut(out, shape, resultDType, fn);
  const x = a.dtype === dtype ? a : toDType(a, dtype);
  const y = unaliased(b.dtype === dtype ? b : toDType(b, dtype), out);
  integerDivisionCheck(fn, dtype, y);
  const target = out && out.dtype === resultDType ? out : emptyLayoutLike(sameShape(x.shape, shape) ? x : y, resultDType, shape);
  k.binary(fn, target, broadcastOperand(x, shape), broadcastOperand(y, shape));
  if (out && target !== out) {
    k.copy(out, target);
    target.dispose();
  }
  if (out) return out;
  const op = tensorOps[fn];
  if (op && !isCompare) record(op, [target], [x, y], {} as OpAttrs['add']);
  return target;
}

const keepsIntegers = new Set<UnaryFnName>(['neg', 'abs', 'sign', 'square', 'relu', 'floor', 'ceil', 'round', 'trunc']);
const boolResult = new Set<UnaryFnName>(['isnan', 'isinf', 'logicalNot']);

/** fn(x) elementwise; integer inputs of float functions are promoted to the default float dtype. */
export function unaryOp(fn: UnaryFnName, x: Tensor, out?: Tensor): Tensor {
  if (fn === 'neg' && x.dtype === 'bool') {
    throw new TypeError('Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
  }
  const computeDType = isFloating(x.dtype) || keepsIntegers.has(fn) || boolResult.has(fn) ? x.dtype : getDefaultDType();
  const resultDType = boolResult.has(fn) ? 'bool' : computeDType;
  if (out) checkOut(out, x.shape, resultDType, fn);
  const input = x.dtype === computeDType ? x : toDType(x, computeDType);
  const target = out && out.dtype === resultDType ? out : emptyLayoutLike(input, resultDType);
  k.unary(fn, target, input);
  if (out && target !== out) {
    k.copy(out, target);
    target.dispose();
  }
  if (out) return out;
  if (!boolResult.has(fn) && fn !== 'geluTanh' && fn !== 'gelu' && fn !== 'softplus' && fn !== 'isnan') {
    record(fn as UnaryName, [target], [input], {});
  }
  return target;
}

/** Gradient of relu: g where y > 0, else 0 (one fused pass; y is relu's output). */
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  const out = emptyLayoutLike(g);
  k.binary('reluBackward', out, g, y.dtype === g.dtype ? y : toDType(y, g.dtype));
  record('reluBackward', [out], [g, y], {});
  return out;
}

export function gelu(x: Tensor, approximate: 'none' | 'tanh', out?: Tensor): Tensor {
  if (!isFloating(x.dtype)) throw new TypeError(`gelu: expected a floating point tensor, got ${x.dtype}`);
  const target = out ?? emptyLayoutLike(x);
  k.unary(approximate === 'tanh' ? 'geluTanh' : 'gelu', target, x);
  if (!out) record('gelu', [target], [x], { approximate });
  return target;
}

export function add(a: Tensor, b: TensorOrScalar, alpha = 1, out?: Tensor): Tensor {
  if (alpha !== 1) b = b instanceof Tensor ? mul(b, alpha) : Number(b) * alpha;
  return binaryOp('add', a, b, out);
}

export function sub(a: Tensor, b: TensorOrScalar, alpha = 1, out?: Tensor): Tensor {
  if (alpha !== 1) b = b instanceof Tensor ? mul(b, alpha) : Number(b) * alpha;
  return binaryOp('sub', a, b, out);
}

export function mul(a: Tensor, b: TensorOrScalar, out?: Tensor): Tensor {
  return binaryOp('mul', a, b, out);
}

export function div(a: Tensor, b: TensorOrScalar, roundingMode: 'trunc' | 'floor' | null, out?: Tensor): Tensor {
  if (roundingMode === null) return binaryOp('div', a, b, out);
  if (roundingMode === 'floor') return binaryOp('floorDivide', a, b, out);
  const dtype = b instanceof Tensor ? resultType(a, b) : resultType(a, b);
  const q = binaryOp('div', a.to('float64'), b instanceof Tensor ? b.to('float64') : b).trunc();
  const result = toDType(q, dtype);
  if (out) {
    k.copy(out, result);
    return out;
  }
  return result;
}

export function pow(a: Tensor, exponent: TensorOrScalar, out?: Tensor): Tensor {
  return binaryOp('pow', a, exponent, out);
}

/** scalar (op) tensor: rsub, rpow. */
export function reverseScalar(fn: 'rsub' | 'rpow', s: number, x: Tensor): Tensor {
  return scalarOp(fn, x, s);
}

export function maximum(a: Tensor, b: Tensor): Tensor {
  return binaryOp('maximum', a, b);
}

export function minimum(a: Tensor, b: Tensor): Tensor {
  return binaryOp('minimum', a, b);
}

export function clamp(x: Tensor, min: number | null, max: number | null, out?: Tensor): Tensor {
  if (min === null && max === null) throw new RangeError("clamp: at least one of 'min' or 'max' must not be None");
  if (x.dtype === 'bool') throw new TypeError('clamp is not supported for bool tensors');
  const target = out ?? emptyLayoutLike(x);
  k.clamp(target, x, min, max);
  if (!out) record('clamp', [target], [x], { min, max });
  return target;
}

function scalarTensor(value: number | boolean, dtype: DType): Tensor {
  return fromValues([Number(value)], [], dtype);
}

/** torch.where(condition, a, b) with broadcasting; a and b may be scalars. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar, out?: Tensor): Tensor {
  if (condition.dtype !== 'bool') throw new TypeError(`where: expected condition to be a bool tensor, got ${condition.dtype}`);
  const dtype = resultType(a instanceof Tensor ? a : a, b instanceof Tensor ? b : b);
  const x = a instanceof Tensor ? (a.dtype === dtype ? a : toDType(a, dtype)) : scalarTensor(a, dtype);
  const y = b instanceof Tensor ? (b.dtype === dtype ? b : toDType(b, dtype)) : scalarTensor(b, dtype);
  const shape = broadcastShapes(broadcastShapes(condition.shape, x.shape, 'where'), y.shape, 'where');
  if (out) checkOut(out, shape, dtype, 'where');
  const target = out && out.dtype === dtype ? out : empty(shape, dtype);
  k.where(target, broadcastOperand(condition, shape), broadcastOperand(unaliased(x, out), shape), broadcastOperand(unaliased(y, out), shape));
  if (out && target !== out) {
    k.copy(out, target);
    target.dispose();
  }
  if (out) return out;
  record('where', [target], [condition, x, y], {});
  return target;
}

export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor, out?: Tensor): Tensor {
  if (mask.dtype !== 'bool') throw new TypeError(`maskedFill only supports boolean masks, but got mask with dtype ${mask.dtype}`);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new RangeError(`maskedFill only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s)`);
  }
  const v = value instanceof Tensor ? (value.dtype === x.dtype ? value : toDType(value, x.dtype)) : scalarTensor(value, x.dtype);
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (!sameShape(shape, x.shape)) {
    throw new RangeError(`maskedFill: mask of shape ${formatShape(mask.shape)} cannot be broadcast to the input's shape ${formatShape(x.shape)}`);
  }
  const target = out ?? emptyLayoutLike(x);
  k.where(target, broadcastOperand(mask, shape), broadcastOperand(v, shape), unaliased(x, out));
  if (!out) record('maskedFill', [target], [mask, x, value instanceof Tensor ? v : null], {});
  return target;
}

export function lerp(start: Tensor, end: Tensor, weight: number | Tensor, out?: Tensor): Tensor {
  const result = add(start, mul(sub(end, start), weight));
  if (out) {
    k.copy(out, result);
    return out;
  }
  return result;
}

export function equal(a: Tensor, b: Tensor): boolean {
  if (!sameShape(a.shape, b.shape)) return false;
  return binaryOp('eq', a, b).all().item() !== 0;
}

export function allclose(a: Tensor, b: Tensor, rtol: number, atol: number): boolean {
  const diff = sub(a, b).abs();
  const tol = b.abs().mul(rtol).add(atol);
  return diff.le(tol).all().item() !== 0;
}

/**
 * Runs an in-place operation. Without autograd the kernel writes straight into self. When the graph is
 * being recorded, the new value is computed out of place from a snapshot of self and copied in, and self
 * takes the new node as its history (PyTorch's rebase).
 */
export function inplace<T extends Tensor>(self: T, compute: (x: Tensor, out?: Tensor) => Tensor, others: unknown[]): T {
  const tensors = others.filter((o): o is Tensor => o instanceof Tensor);
  if (!needsGrad([self, ...tensors])) {
    compute(self, self);
    self.storage.version++;
    return self;
  }
  if (self.isLeaf && self.requiresGrad) {
    throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  const result = compute(self.clone());
  if (!sameShape(result.shape, self.shape)) {
    throw new RangeError(`output with shape ${formatShape(self.shape)} doesn't match the broadcast shape ${formatShape(result.shape)}`);
  }
  k.copy(self, result);
  self.storage.version++;
  self.setGradFn(result.gradFn, result.outputNr);
  result.dispose();
  return self;
}

export function fillInplace<T extends Tensor>(self: T, value: number): T {
  if (isGradEnabled() && self.isLeaf && self.requiresGrad) {
    throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  k.fill(self, value);
  self.storage.version++;
  if (self.gradFn) self.setGradFn(null);
  return self;
}

export function copyInplace<T extends Tensor>(self: T, src: Tensor): T {
  const shape = broadcastShapes(self.shape, src.shape, 'copy_');
  if (!sameShape(shape, self.shape)) {
    throw new RangeError(`copy_: source of shape ${formatShape(src.shape)} cannot be broadcast to ${formatShape(self.shape)}`);
  }
  return inplace(self, (x, out) => {
    if (out) {
      k.copy(out, broadcastOperand(unaliased(src, out), out.shape));
      return out;
    }
    return add(mul(x, 0), toDType(src, x.dtype));
  }, [src]);
}

export function randomInplace<T extends Tensor>(self: T, kind: 'uniform' | 'normal', a: number, b: number): T {
  if (isGradEnabled() && self.isLeaf && self.requiresGrad) {
    throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  if (!isFloating(self.dtype)) throw new TypeError(`${kind}_ expects a floating point tensor, got ${self.dtype}`);
  const target = self.isContiguous() ? self : empty(self.shape.slice(), self.dtype);
  if (kind === 'uniform') k.randUniform(target, a, b);
  else k.randNormal(target, a, b);
  if (target !== self) {
    k.copy(self, target);
    target.dispose();
  }
  self.storage.version++;
  return self;
}
