/**
 * Tensor: dtype, shape, strides and offset live here in TypeScript; the bytes live in native memory
 * (a refcounted Storage shared by views). Methods are thin: the math is in src/ops.
 */
import type { DType, ElementArray } from './dtype.js';
import { isFloating } from './dtype.js';
import { Storage } from './storage.js';
import { track, untrack } from './memory/scope.js';
import type { Node } from './autograd/node.js';
import { isContiguousLayout, numelOf, normalizeDim, formatShape } from './layout.js';
import * as access from './ops/access.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as views from './ops/views.js';
import * as idx from './ops/indexing.js';
import * as linalg from './ops/linalg.js';
import * as engine from './autograd/engine.js';
import type { Device, DeviceLike } from './device.js';
import { cpu, toDevice } from './device.js';

/** Holds what a tensor owns, so the GC backstop can release it without keeping the tensor alive. */
class Owned {
  released = false;
  constructor(public storage: Storage, public node: Node | null) {}
}

// Registered without an unregister token (registration with a token, and unregistering, cost more than
// the rest of a small op); a tensor disposed by hand marks its record released instead.
const registry = new FinalizationRegistry<Owned>((owned) => {
  if (owned.released) return;
  owned.storage.release();
  owned.node?.release();
  untrack();
});

// Registering a finalizer costs more than a small op. Tensors made outside any scope are queued and only
// registered in batches (or on the next turn of the event loop); the queue holds them strongly, so none can
// be collected unregistered, and the ones disposed meanwhile (`a.add(b).dispose()`) never pay for it.
const unguarded: Tensor[] = [];
let flushScheduled = false;

function flushGuards(): void {
  flushScheduled = false;
  for (const t of unguarded) t.guard();
  unguarded.length = 0;
}

function deferGuard(t: Tensor): void {
  unguarded.push(t);
  if (unguarded.length >= 1024) flushGuards();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushGuards).unref();
  }
}

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | number | boolean;
export type Dims = number | number[];

/**
 * A multi-dimensional array with autograd, as torch.Tensor.
 *
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * x.grad!.tolist(); // [[2, 4], [6, 8]]
 */
export class Tensor {
  private storageRef: Storage | null;
  private node: Node | null = null;
  /** What the GC backstop releases; created only for tensors no scope will dispose (see guard()). */
  private held: Owned | null = null;
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly dtype: DType;
  /** Output index of this tensor in its gradFn (for multi-output operations). */
  outputNr = 0;
  /** Accumulated gradient (leaves, or non-leaves after retainGrad()). */
  grad: Tensor | null = null;
  /** Set by `keep()`: no scope disposes this tensor. */
  kept = false;
  private leafRequiresGrad = false;
  private retainsGradFlag = false;

  /** @internal Use the creation functions (torch.tensor, torch.zeros, ...) instead. */
  constructor(storage: Storage, shape: number[], strides: number[], offset: number, dtype: DType) {
    this.storageRef = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    if (!track(this)) deferGuard(this);
  }

  /** @internal Registers the GC backstop (see memory/scope.ts). */
  guard(): void {
    if (this.held !== null || this.storageRef === null) return;
    this.held = new Owned(this.storageRef, this.node);
    registry.register(this, this.held);
  }

  // ------------------------------------------------------------------ storage and lifetime

  /** @internal The native storage; throws once the tensor is disposed. */
  get storage(): Storage {
    const storage = this.storageRef;
    if (storage === null) throw new Error(`Tensor ${formatShape(this.shape)} ${this.dtype} was used after dispose()`);
    return storage;
  }

  get isDisposed(): boolean {
    return this.storageRef === null;
  }

  /** Frees this tensor's reference to its memory now. Using it afterwards throws. Idempotent. */
  dispose(): void {
    const storage = this.storageRef;
    if (storage === null) return;
    this.storageRef = null;
    if (this.held !== null) {
      this.held.released = true;
      this.held = null;
    }
    storage.release();
    this.node?.release();
    this.node = null;
    untrack();
    this.grad?.dispose();
    this.grad = null;
  }

  // ------------------------------------------------------------------ metadata

  get device(): Device {
    return cpu;
  }
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  numel(): number {
    return numelOf(this.shape);
  }
  /** Size of one dim, or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    return this.shape[normalizeDim(dim, this.shape.length, 'size')];
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number | number[] {
    if (dim === undefined) return this.strides.slice();
    return this.strides[normalizeDim(dim, this.shape.length, 'stride')];
  }
  storageOffset(): number {
    return this.offset;
  }
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }
  isFloatingPoint(): boolean {
    return isFloating(this.dtype);
  }
  elementSize(): number {
    return access.elementSize(this.dtype);
  }
  /** In-place modification counter shared with views (PyTorch's _version). */
  get version(): number {
    return this.storage.version;
  }

  // ------------------------------------------------------------------ autograd

  get gradFn(): Node | null {
    return this.node;
  }
  /** @internal Attaches this tensor to a graph node (taking a reference on it). */
  setGradFn(node: Node | null, outputNr = 0): void {
    void this.storage; // throws after dispose
    node?.retain();
    this.node?.release();
    this.node = node;
    if (this.held !== null) this.held.node = node;
    this.outputNr = outputNr;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get requiresGrad(): boolean {
    return this.leafRequiresGrad || this.gradFn !== null;
  }
  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }
  /** Sets requiresGrad on a leaf, in place; returns this. */
  requiresGrad_(value = true): this {
    if (!this.isLeaf) {
      if (!value) {
        throw new Error(
          'you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a ' +
            'subgraph that doesn\'t require differentiation use var_no_grad = var.detach().',
        );
      }
      return this;
    }
    if (value && !isFloating(this.dtype)) {
      throw new TypeError(`only Tensors of floating point dtype can require gradients (got ${this.dtype})`);
    }
    this.leafRequiresGrad = value;
    return this;
  }
  /** Keeps .grad on this non-leaf tensor after backward. */
  retainGrad(): void {
    const node = this.gradFn;
    if (node === null) return;
    this.retainsGradFlag = true;
    (node.retained ??= new Map()).set(this.outputNr, this);
  }
  get retainsGrad(): boolean {
    return this.retainsGradFlag;
  }
  /** A new tensor sharing storage, cut from the graph. */
  detach(): Tensor {
    return views.detach(this);
  }
  /** Detaches this tensor from the graph in place. */
  detach_(): this {
    this.setGradFn(null);
    this.leafRequiresGrad = false;
    return this;
  }
  /**
   * Computes the gradient of this tensor with respect to graph leaves and accumulates it into their .grad.
   *
   * @example
   * const w = torch.ones([3], { requiresGrad: true });
   * w.mul(2).sum().backward();
   */
  backward(gradient?: Tensor | null, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    engine.backward([this], gradient ? [gradient] : null, options);
  }

  // ------------------------------------------------------------------ reading data

  /** The single value of a one-element tensor, as a JavaScript number (bool → 0/1... as boolean). */
  item(): number {
    return access.item(this);
  }
  /** Nested arrays of numbers (booleans for bool tensors), as torch.Tensor.tolist(). */
  tolist(): unknown {
    return access.tolist(this);
  }
  /** Contiguous copy of the elements (16-bit floats as Float32Array, int64 as BigInt64Array). */
  dataSync(): ElementArray {
    return access.dataSync(this);
  }
  /** Resolves to the elements; the copy is made on the calling thread, like every kernel. */
  data(): Promise<ElementArray> {
    return Promise.resolve(access.dataSync(this));
  }
  toString(): string {
    return access.format(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return access.format(this);
  }

  // ------------------------------------------------------------------ conversion and device

  to(target: DType | DeviceLike, options: { dtype?: DType; copy?: boolean } = {}): Tensor {
    return toDevice(this, target, options);
  }
  float(): Tensor { return views.toDType(this, 'float32'); }
  double(): Tensor { return views.toDType(this, 'float64'); }
  half(): Tensor { return views.toDType(this, 'float16'); }
  bfloat16(): Tensor { return views.toDType(this, 'bfloat16'); }
  long(): Tensor { return views.toDType(this, 'int64'); }
  int(): Tensor { return views.toDType(this, 'int32'); }
  bool(): Tensor { return views.toDType(this, 'bool'); }
  byte(): Tensor { return views.toDType(this, 'uint8'); }
  type(dtype: DType): Tensor { return views.toDType(this, dtype); }
  cpu(): Tensor { return this; }
  clone(): Tensor { return views.clone(this); }
  contiguous(): Tensor { return views.contiguous(this); }

  // ------------------------------------------------------------------ views

  view(...shape: number[] | [number[]]): Tensor { return views.view(this, flatArgs(shape)); }
  reshape(...shape: number[] | [number[]]): Tensor { return views.reshape(this, flatArgs(shape)); }
  viewAs(other: Tensor): Tensor { return views.view(this, other.shape); }
  reshapeAs(other: Tensor): Tensor { return views.reshape(this, other.shape); }
  permute(...dims: number[] | [number[]]): Tensor { return views.permute(this, flatArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return views.transpose(this, dim0, dim1); }
  /** Transpose of a tensor with at most 2 dims. */
  t(): Tensor { return views.t(this); }
  /** Reverses all dims (x.T). */
  get T(): Tensor { return views.permute(this, this.shape.map((_, i) => this.shape.length - 1 - i)); }
  get mT(): Tensor { return views.transpose(this, -2, -1); }
  expand(...shape: number[] | [number[]]): Tensor { return views.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return views.expand(this, other.shape); }
  squeeze(dim?: Dims): Tensor { return views.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return views.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return views.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: number[]): Tensor { return views.unflatten(this, dim, sizes); }
  narrow(dim: number, start: number, length: number): Tensor { return views.narrow(this, dim, start, length); }
  /** Python's x[start:end:step] along dim. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return views.slice(this, dim, start ?? null, end ?? null, step);
  }
  select(dim: number, index: number): Tensor { return views.select(this, dim, index); }
  unbind(dim = 0): Tensor[] { return idx.unbind(this, dim); }
  split(splitSize: number | number[], dim = 0): Tensor[] { return idx.split(this, splitSize, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return idx.chunk(this, chunks, dim); }

  // ------------------------------------------------------------------ elementwise

  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor { return ew.add(this, other, options?.alpha); }
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor { return ew.sub(this, other, options?.alpha); }
  mul(other: TensorOrScalar): Tensor { return ew.mul(this, other); }
  div(other: TensorOrScalar, options?: { roundingMode?: 'trunc' | 'floor' | null }): Tensor {
    return ew.div(this, other, options?.roundingMode ?? null);
  }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  remainder(other: TensorOrScalar): Tensor { return ew.binaryOp('remainder', this, other); }
  fmod(other: TensorOrScalar): Tensor { return ew.binaryOp('fmod', this, other); }
  floorDivide(other: TensorOrScalar): Tensor { return ew.binaryOp('floorDivide', this, other); }
  atan2(other: Tensor): Tensor { return ew.binaryOp('atan2', this, other); }
  maximum(other: Tensor): Tensor { return ew.maximum(this, other); }
  minimum(other: Tensor): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.unaryOp('neg', this); }
  abs(): Tensor { return ew.unaryOp('abs', this); }
  exp(): Tensor { return ew.unaryOp('exp', this); }
  exp2(): Tensor { return ew.unaryOp('exp2', this); }
  expm1(): Tensor { return ew.unaryOp('expm1', this); }
  log(): Tensor { return ew.unaryOp('log', this); }
  log2(): Tensor { return ew.unaryOp('log2', this); }
  log10(): Tensor { return ew.unaryOp('log10', this); }
  log1p(): Tensor { return ew.unaryOp('log1p', this); }
  sqrt(): Tensor { return ew.unaryOp('sqrt', this); }
  rsqrt(): Tensor { return ew.unaryOp('rsqrt', this); }
  square(): Tensor { return ew.unaryOp('square', this); }
  reciprocal(): Tensor { return ew.unaryOp('reciprocal', this); }
  sin(): Tensor { return ew.unaryOp('sin', this); }
  cos(): Tensor { return ew.unaryOp('cos', this); }
  tan(): Tensor { return ew.unaryOp('tan', this); }
  asin(): Tensor { return ew.unaryOp('asin', this); }
  acos(): Tensor { return ew.unaryOp('acos', this); }
  atan(): Tensor { return ew.unaryOp('atan', this); }
  sinh(): Tensor { return ew.unaryOp('sinh', this); }
  cosh(): Tensor { return ew.unaryOp('cosh', this); }
  tanh(): Tensor { return ew.unaryOp('tanh', this); }
  sigmoid(): Tensor { return ew.unaryOp('sigmoid', this); }
  relu(): Tensor { return ew.unaryOp('relu', this); }
  gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor { return ew.gelu(this, options?.approximate ?? 'none'); }
  silu(): Tensor { return ew.unaryOp('silu', this); }
  erf(): Tensor { return ew.unaryOp('erf', this); }
  sign(): Tensor { return ew.unaryOp('sign', this); }
  floor(): Tensor { return ew.unaryOp('floor', this); }
  ceil(): Tensor { return ew.unaryOp('ceil', this); }
  round(): Tensor { return ew.unaryOp('round', this); }
  trunc(): Tensor { return ew.unaryOp('trunc', this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min ?? null, max ?? null); }
  clip(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min ?? null, max ?? null); }
  isnan(): Tensor { return ew.unaryOp('isnan', this); }
  isinf(): Tensor { return ew.unaryOp('isinf', this); }
  eq(other: TensorOrScalar): Tensor { return ew.binaryOp('eq', this, other); }
  ne(other: TensorOrScalar): Tensor { return ew.binaryOp('ne', this, other); }
  lt(other: TensorOrScalar): Tensor { return ew.binaryOp('lt', this, other); }
  le(other: TensorOrScalar): Tensor { return ew.binaryOp('le', this, other); }
  gt(other: TensorOrScalar): Tensor { return ew.binaryOp('gt', this, other); }
  ge(other: TensorOrScalar): Tensor { return ew.binaryOp('ge', this, other); }
  logicalAnd(other: TensorOrScalar): Tensor { return ew.binaryOp('logicalAnd', this, other); }
  logicalOr(other: TensorOrScalar): Tensor { return ew.binaryOp('logicalOr', this, other); }
  logicalXor(other: TensorOrScalar): Tensor { return ew.binaryOp('logicalXor', this, other); }
  logicalNot(): Tensor { return ew.unaryOp('logicalNot', this); }
  /** True when every element equals other's (same shape). */
  equal(other: Tensor): boolean { return ew.equal(this, other); }
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8): boolean { return ew.allclose(this, other, rtol, atol); }
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }
  maskedFill(mask: Tensor, value: number | Tensor): Tensor { return ew.maskedFill(this, mask, value); }
  lerp(end: Tensor, weight: number | Tensor): Tensor { return ew.lerp(this, end, weight); }

  // ------------------------------------------------------------------ in place (PyTorch's trailing underscore)

  add_(other: TensorOrScalar, options?: { alpha?: number }): this { return ew.inplace(this, (x, out) => ew.add(x, other, options?.alpha, out), [other]); }
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this { return ew.inplace(this, (x, out) => ew.sub(x, other, options?.alpha, out), [other]); }
  mul_(other: TensorOrScalar): this { return ew.inplace(this, (x, out) => ew.mul(x, other, out), [other]); }
  div_(other: TensorOrScalar): this { return ew.inplace(this, (x, out) => ew.div(x, other, null, out), [other]); }
  pow_(exponent: TensorOrScalar): this { return ew.inplace(this, (x, out) => ew.pow(x, exponent, out), [exponent]); }
  neg_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('neg', x, out), []); }
  exp_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('exp', x, out), []); }
  log_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('log', x, out), []); }
  sqrt_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('sqrt', x, out), []); }
  abs_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('abs', x, out), []); }
  relu_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('relu', x, out), []); }
  sigmoid_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('sigmoid', x, out), []); }
  tanh_(): this { return ew.inplace(this, (x, out) => ew.unaryOp('tanh', x, out), []); }
  clamp_(min?: number | null, max?: number | null): this { return ew.inplace(this, (x, out) => ew.clamp(x, min ?? null, max ?? null, out), []); }
  maskedFill_(mask: Tensor, value: number | Tensor): this { return ew.inplace(this, (x, out) => ew.maskedFill(x, mask, value, out), [mask, value]); }
  lerp_(end: Tensor, weight: number | Tensor): this { return ew.inplace(this, (x, out) => ew.lerp(x, end, weight, out), [end, weight]); }
  /** self += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, options?: { value?: number }): this {
    return ew.inplace(this, (x, out) => ew.add(x, ew.mul(t1, t2), options?.value ?? 1, out), [t1, t2]);
  }
  /** self += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, options?: { value?: number }): this {
    return ew.inplace(this, (x, out) => ew.add(x, ew.div(t1, t2, null), options?.value ?? 1, out), [t1, t2]);
  }
  zero_(): this { return ew.fillInplace(this, 0); }
  fill_(value: number | boolean): this { return ew.fillInplace(this, Number(value)); }
  copy_(src: Tensor): this { return ew.copyInplace(this, src); }
  uniform_(from = 0, to = 1): this { return ew.randomInplace(this, 'uniform', from, to); }
  normal_(mean = 0, std = 1): this { return ew.randomInplace(this, 'normal', mean, std); }

  // ------------------------------------------------------------------ reductions

  sum(dim?: Dims | null, keepdim = false, options?: { dtype?: DType }): Tensor { return red.sum(this, dim ?? null, keepdim, options?.dtype); }
  mean(dim?: Dims | null, keepdim = false): Tensor { return red.mean(this, dim ?? null, keepdim); }
  prod(dim?: number | null, keepdim = false): Tensor { return red.prod(this, dim ?? null, keepdim); }
  /** max() of all elements, or [values, indices] along dim. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): [Tensor, Tensor];
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, keepdim = false): Tensor | [Tensor, Tensor] {
    if (dim instanceof Tensor) return ew.maximum(this, dim);
    return dim === undefined ? red.amax(this, null, false) : red.maxDim(this, dim, keepdim, 'max');
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): [Tensor, Tensor];
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, keepdim = false): Tensor | [Tensor, Tensor] {
    if (dim instanceof Tensor) return ew.minimum(this, dim);
    return dim === undefined ? red.amin(this, null, false) : red.maxDim(this, dim, keepdim, 'min');
  }
  amax(dim?: Dims | null, keepdim = false): Tensor { return red.amax(this, dim ?? null, keepdim); }
  amin(dim?: Dims | null, keepdim = false): Tensor { return red.amin(this, dim ?? null, keepdim); }
  argmax(dim?: number | null, keepdim = false): Tensor { return red.argReduce(this, dim ?? null, keepdim, 'max'); }
  argmin(dim?: number | null, keepdim = false): Tensor { return red.argReduce(this, dim ?? null, keepdim, 'min'); }
  var(dim?: Dims | null, options?: { correction?: number; keepdim?: boolean }): Tensor {
    return red.variance(this, dim ?? null, options?.correction ?? 1, options?.keepdim ?? false);
  }
  std(dim?: Dims | null, options?: { correction?: number; keepdim?: boolean }): Tensor {
    return red.std(this, dim ?? null, options?.correction ?? 1, options?.keepdim ?? false);
  }
  logsumexp(dim: Dims, keepdim = false): Tensor { return red.logsumexp(this, dim, keepdim); }
  norm(p: number | 'fro' = 2, dim?: Dims | null, keepdim = false): Tensor { return red.norm(this, p, dim ?? null, keepdim); }
  all(dim?: number | null, keepdim = false): Tensor { return red.logical(this, dim ?? null, keepdim, 'all'); }
  any(dim?: number | null, keepdim = false): Tensor { return red.logical(this, dim ?? null, keepdim, 'any'); }
  softmax(dim: number): Tensor { return red.softmax(this, dim, false); }
  logSoftmax(dim: number): Tensor { return red.softmax(this, dim, true); }

  // ------------------------------------------------------------------ linear algebra and indexing

  matmul(other: Tensor): Tensor { return linalg.matmul(this, other); }
  mm(other: Tensor): Tensor { return linalg.mm(this, other); }
  bmm(other: Tensor): Tensor { return linalg.bmm(this, other); }
  mv(vec: Tensor): Tensor { return linalg.mv(this, vec); }
  dot(other: Tensor): Tensor { return linalg.dot(this, other); }
  outer(other: Tensor): Tensor { return linalg.outer(this, other); }
  indexSelect(dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return idx.scatter(this, dim, index, src, false); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return idx.scatter(this, dim, index, src, true); }
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: { alpha?: number }): Tensor {
    return idx.indexAdd(this, dim, index, source, options?.alpha ?? 1);
  }
  /**
   * Advanced indexing with integer (int64) or bool tensors over the leading dims: `x.index([i, j])` is
   * PyTorch's x[i, j]; `null` keeps a dim whole (x[:, j] is `x.index([null, j])`).
   */
  index(indices: (Tensor | null)[] | Tensor): Tensor { return idx.index(this, Array.isArray(indices) ? indices : [indices]); }
  maskedSelect(mask: Tensor): Tensor { return idx.maskedSelect(this, mask); }
  nonzero(): Tensor { return idx.nonzero(this); }
  repeat(...sizes: number[] | [number[]]): Tensor { return idx.repeat(this, flatArgs(sizes)); }
  flip(dims: Dims): Tensor { return idx.flip(this, dims); }
}

/** Accepts both f(2, 3) and f([2, 3]). */
export function flatArgs(args: number[] | [number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}
