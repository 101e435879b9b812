/** Reductions over any set of dims, max/min with indices, softmax, and composites built on them. */
import type { DType } from '../dtype.js';
import { isFloating } from '../dtype.js';
import * as k from '../backend/kernels.js';
import type { Operand } from '../backend/kernels.js';
import { Tensor, type Dims } from '../tensor.js';
import { formatShape, normalizeDim, sameShape } from '../layout.js';
import { empty, record } from './dispatch.js';
import { contiguous, toDType } from './views.js';
import type { ReduceFnName } from '../generated/kernel_ids.js';
import { autocastArgs } from '../amp/policy.js';

/** Normalised, sorted, de-duplicated dims; null or [] means all dims (PyTorch's sum(dim=[]) reduces all too). */
function reducedDims(x: Tensor, dim: Dims | null, op: string): number[] {
  if (dim === null || (Array.isArray(dim) && dim.length === 0)) return x.shape.map((_, i) => i);
  const list = (Array.isArray(dim) ? dim : [dim]).map((d) => normalizeDim(d, x.ndim, op));
  if (new Set(list).size !== list.length) throw new RangeError(`${op}: dim ${formatShape(list)} appears multiple times in the list of dims`);
  return list.sort((a, b) => a - b).filter((d) => d < Math.max(x.ndim, 0) || x.ndim === 0);
}

function outputShape(x: Tensor, dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  x.shape.forEach((s, i) => {
    if (!dims.includes(i)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** The input seen as [kept..., reduced...] without copying. */
function reducedLast(x: Tensor, dims: number[]): Operand {
  const order = [...x.shape.map((_, i) => i).filter((i) => !dims.includes(i)), ...dims];
  return {
    storage: x.storage, dtype: x.dtype, offset: x.offset,
    shape: order.map((d) => x.shape[d]), strides: order.map((d) => x.strides[d]),
  };
}

function runReduce(fn: ReduceFnName, x: Tensor, dims: number[], keepdim: boolean, outDType: DType): Tensor {
  const out = empty(outputShape(x, dims, keepdim), outDType);
  k.reduce(fn, out, reducedLast(x, dims), x.ndim === 0 ? 0 : dims.length);
  return out;
}

/**
 * Sum over dims (all by default). Integer and bool inputs sum to int64.
 *
 * @example
 * torch.ones([2, 3]).sum(1); // tensor([3., 3.])
 */
export function sum(x: Tensor, dim: Dims | null = null, keepdim = false, dtype?: DType): Tensor {
  const input = dtype && dtype !== x.dtype ? toDType(x, dtype) : x;
  const dims = reducedDims(input, dim, 'sum');
  const outDType = isFloating(input.dtype) ? input.dtype : 'int64';
  const out = runReduce('sum', input, dims, keepdim, outDType);
  record('sum', [out], [input], { dims, keepdim });
  return out;
}

export function mean(x: Tensor, dim: Dims | null = null, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new TypeError(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype}`);
  }
  const dims = reducedDims(x, dim, 'mean');
  let n = 1;
  for (const d of dims) n *= x.ndim === 0 ? 1 : x.shape[d];
  return sum(x, dims.length === 0 ? null : dims, keepdim).div(n);
}

export function prod(x: Tensor, dim: number | null = null, keepdim = false): Tensor {
  [x] = autocastArgs('prod', [x]);
  return prodImpl(x, reducedDims(x, dim, 'prod'), keepdim);
}

/** Product over several dims, keeping them (used by prod's backward). */
export function prodOver(x: Tensor, dims: number[]): Tensor {
  return prodImpl(x, dims, true);
}

function prodImpl(x: Tensor, dims: number[], keepdim: boolean): Tensor {
  const out = runReduce('prod', x, dims, keepdim, isFloating(x.dtype) ? x.dtype : 'int64');
  record('prod', [out], [x], { dims, keepdim });
  return out;
}

function extreme(x: Tensor, dim: Dims | null, keepdim: boolean, fn: 'max' | 'min'): Tensor {
  const dims = reducedDims(x, dim, fn === 'max' ? 'amax' : 'amin');
  for (const d of dims) {
    if (x.ndim > 0 && x.shape[d] === 0) {
      throw new RangeError(`${fn}(): Expected reduction dim ${d} to have non-zero size.`);
    }
  }
  if (x.numel() === 0 && dims.length === x.ndim) {
    throw new RangeError(`${fn}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
  }
  const out = runReduce(fn, x, dims, keepdim, x.dtype);
  record(fn === 'max' ? 'amax' : 'amin', [out], [x], { dims, keepdim });
  return out;
}

export function amax(x: Tensor, dim: Dims | null, keepdim: boolean): Tensor {
  return extreme(x, dim, keepdim, 'max');
}

export function amin(x: Tensor, dim: Dims | null, keepdim: boolean): Tensor {
  return extreme(x, dim, keepdim, 'min');
}

/** max/min along one dim: [values, indices]. */
export function maxDim(x: Tensor, dim: number, keepdim: boolean, fn: 'max' | 'min'): [Tensor, Tensor] {
  const d = normalizeDim(dim, x.ndim, fn);
  if (x.ndim > 0 && x.shape[d] === 0) throw new RangeError(`${fn}(): Expected reduction dim ${d} to have non-zero size.`);
  const shape = outputShape(x, x.ndim === 0 ? [] : [d], keepdim);
  const values = empty(shape, x.dtype), indices = empty(shape.slice(), 'int64');
  const source = x.ndim === 0 ? { ...reducedLast(x, []), shape: [1], strides: [1] } : reducedLast(x, [d]);
  k.argReduce(fn, values, indices, source);
  record(fn === 'max' ? 'maxDim' : 'minDim', [values, indices], [x], { dim: d, keepdim });
  return [values, indices];
}

export function argReduce(x: Tensor, dim: number | null, keepdim: boolean, fn: 'max' | 'min'): Tensor {
  if (dim === null) {
    if (x.numel() === 0) throw new RangeError(`arg${fn}(): Expected reduction dim to be specified for input.numel() == 0.`);
    const flat = contiguous(x);
    const indices = empty(keepdim ? x.shape.map(() => 1) : [], 'int64');
    k.argReduce(fn, null, indices, { storage: flat.storage, dtype: flat.dtype, offset: flat.offset, shape: [flat.numel()], strides: [1] });
    if (flat !== x) flat.dispose();
    return indices;
  }
  const d = normalizeDim(dim, x.ndim, `arg${fn}`);
  if (x.ndim > 0 && x.shape[d] === 0) throw new RangeError(`arg${fn}(): Expected reduction dim ${d} to have non-zero size.`);
  const indices = empty(outputShape(x, x.ndim === 0 ? [] : [d], keepdim), 'int64');
  const source = x.ndim === 0 ? { ...reducedLast(x, []), shape: [1], strides: [1] } : reducedLast(x, [d]);
  k.argReduce(fn, null, indices, source);
  return indices;
}

export function logical(x: Tensor, dim: number | null, keepdim: boolean, fn: 'all' | 'any'): Tensor {
  const dims = reducedDims(x, dim, fn);
  return runReduce(fn, x, dims, keepdim, 'bool');
}

/** Variance with Bessel's correction by default (correction = 1). */
export function variance(x: Tensor, dim: Dims | null, correction: number, keepdim: boolean): Tensor {
  if (!isFloating(x.dtype)) throw new TypeError(`var: expected a floating point tensor, got ${x.dtype}`);
  const dims = reducedDims(x, dim, 'var');
  let n = 1;
  for (const d of dims) n *= x.ndim === 0 ? 1 : x.shape[d];
  const centered = x.sub(mean(x, dims.length ? dims : null, true));
  return sum(centered.mul(centered), dims.length ? dims : null, keepdim).div(Math.max(0, n - correction));
}

export function std(x: Tensor, dim: Dims | null, correction: number, keepdim: boolean): Tensor {
  return variance(x, dim, correction, keepdim).sqrt();
}

/** log(sum(exp(x))) over dims, stabilised by the maximum. */
export function logsumexp(x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const input = isFloating(x.dtype) ? x : toDType(x, 'float32');
  const dims = reducedDims(input, dim, 'logsumexp');
  if (input.numel() === 0) return sum(input.exp(), dims, keepdim).log();
  const m = amax(input.detach(), dims, true);
  const safe = m.where(m.isinf().logicalNot(), 0);
  const s = sum(input.sub(safe).exp(), dims, true).log().add(safe);
  return keepdim ? s : s.squeeze(dims);
}

export function norm(x: Tensor, p: number | 'fro', dim: Dims | null, keepdim: boolean): Tensor {
  if (!isFloating(x.dtype)) throw new TypeError(`norm: expected a floating point tensor, got ${x.dtype}`);
  if (p === 'fro' || p === 2) return sum(x.mul(x), dim, keepdim).sqrt();
  if (p === 1) return sum(x.abs(), dim, keepdim);
  if (p === Infinity) return amax(x.abs(), dim, keepdim);
  if (p === -Infinity) return amin(x.abs(), dim, keepdim);
  if (p === 0) return sum(x.ne(0).to(x.dtype), dim, keepdim);
  return sum(x.abs().pow(p), dim, keepdim).pow(1 / p);
}

/** softmax / logSoftmax along dim. */
export function softmax(x: Tensor, dim: number, log: boolean): Tensor {
  if (!isFloating(x.dtype)) throw new TypeError(`${log ? 'log_softmax' : 'softmax'}: expected a floating point tensor, got ${x.dtype}`);
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, log ? 'log_softmax' : 'softmax');
  const input = contiguous(x);
  const out = empty(x.shape.slice(), x.dtype);
  if (x.ndim === 0) k.softmax(out, { ...input, storage: input.storage, shape: [1], strides: [1] }, 0, log);
  else k.softmax(out, input, d, log);
  if (input !== x) input.dispose();
  record(log ? 'logSoftmax' : 'softmax', [out], [x], { dim: d });
  return out;
}

/** Sums a broadcast gradient back to `shape` (the inverse of expand). */
export function sumToShape(g: Tensor, shape: number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const summed = dims.length > 0 ? sum(g, dims, true) : g;
  return summed.reshape(shape);
}
