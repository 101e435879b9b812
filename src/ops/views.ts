/** Views (no copy: a new layout over the same storage) and the copies they fall back to. */
import type { DType } from '../dtype.js';
import { checkDType } from '../dtype.js';
import * as k from '../backend/kernels.js';
import { Tensor, type Dims } from '../tensor.js';
import {
  channelsLastStrides, contiguousStrides, expandStrides, formatShape, inferShape, isContiguousLayout, normalizeDim,
  numelOf, sameShape, viewStrides,
} from '../layout.js';
import { empty, emptyLayoutLike, record, viewOf } from './dispatch.js';

function viewWithGrad(x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return viewOf(x, shape, strides, offset);
}

export function detach(x: Tensor): Tensor {
  return viewOf(x, x.shape.slice(), x.strides.slice(), x.offset);
}

/** A contiguous copy (always a new storage). */
export function clone(x: Tensor): Tensor {
  const out = empty(x.shape.slice(), x.dtype);  // NOTE: contiguous on purpose: contiguous() relies on it
  k.copy(out, x);
  record('clone', [out], [x], {});
  return out;
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

export function toDType(x: Tensor, dtype: DType, copy = false): Tensor {
  checkDType(dtype);
  if (dtype === x.dtype && !copy) return x;
  const out = emptyLayoutLike(x, dtype);
  k.copy(out, x);
  record('cast', [out], [x], { dtype });
  return out;
}

export function view(x: Tensor, shape: number[]): Tensor {
  const target = inferShape(shape, x.numel(), x.shape, 'view');
  const strides = viewStrides(x.shape, x.strides, target);
  // NOTE: CNN activations are kept channels-last (see ops/conv.ts) where PyTorch's would be contiguous; so
  // that `x.view(x.size(0), -1)` after a conv works as it does in PyTorch, such a tensor is copied instead.
  if (strides === null && x.ndim === 4 && sameShape(x.strides, channelsLastStrides(x.shape))) {
    return view(clone(x), target);
  }
  if (strides === null) {
    throw new RangeError(
      `view: size ${formatShape(target)} is not compatible with input tensor's size ${formatShape(x.shape)} and ` +
        `stride ${formatShape(x.strides)} (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.`,
    );
  }
  const out = viewWithGrad(x, target, strides, x.offset);
  record('view', [out], [x], { shape: target });
  return out;
}

export function reshape(x: Tensor, shape: number[]): Tensor {
  const target = inferShape(shape, x.numel(), x.shape, 'reshape');
  if (viewStrides(x.shape, x.strides, target) !== null) return view(x, target);
  return view(clone(x), target);
}

export function permute(x: Tensor, dims: number[]): Tensor {
  const n = x.ndim;
  if (dims.length !== n) {
    throw new RangeError(`permute: number of dims don't match (input has ${n} dims, got ${dims.length}: ${formatShape(dims)})`);
  }
  const norm = dims.map((d) => normalizeDim(d, n, 'permute'));
  if (new Set(norm).size !== n) throw new RangeError(`permute: repeated dim in ${formatShape(dims)}`);
  const out = viewWithGrad(x, norm.map((d) => x.shape[d]), norm.map((d) => x.strides[d]), x.offset);
  record('permute', [out], [x], { dims: norm });
  return out;
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const n = x.ndim;
  if (n === 0) return view(x, []);
  const a = normalizeDim(dim0, n, 'transpose'), b = normalizeDim(dim1, n, 'transpose');
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

export function expand(x: Tensor, shape: number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) {
    throw new RangeError(`expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`);
  }
  const target = shape.map((s, i) => (s === -1 ? (i < lead ? -1 : x.shape[i - lead]) : s));
  const strides = target.includes(-1) ? null : expandStrides(x.shape, x.strides, target);
  if (strides === null) {
    throw new RangeError(`expand: the expanded size of the tensor (${formatShape(shape)}) must match the existing size ${formatShape(x.shape)} at non-singleton dimensions`);
  }
  if (target.length === x.ndim && target.every((s, i) => s === x.shape[i])) return x;
  const out = viewWithGrad(x, target, strides, x.offset);
  record('expand', [out], [x], {});
  return out;
}

export function squeeze(x: Tensor, dim?: Dims): Tensor {
  const n = x.ndim;
  const dims = dim === undefined ? x.shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim]).map((d) => normalizeDim(d, n, 'squeeze'));
  const keep = x.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  return view(x, x.shape.filter((_, i) => keep[i]));
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return view(x, shape);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return view(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten'), e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new RangeError('flatten() has invalid args: start_dim cannot come after end_dim');
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function unflatten(x: Tensor, dim: number, sizes: number[]): Tensor {
  const d = normalizeDim(dim, x.ndim, 'unflatten');
  const inner = inferShape(sizes, x.shape[d], [x.shape[d]], 'unflatten');
  return view(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/** Python slicing x[start:end:step] along dim, clamped as Python clamps. */
export function slice(x: Tensor, dim: number, start: number | null, end: number | null, step = 1): Tensor {
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new RangeError('slice: step must be a positive integer');
  const size = x.shape[d];
  const clampIndex = (v: number | null, fallback: number) => {
    if (v === null) return fallback;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const s = clampIndex(start, 0);
  const e = Math.max(clampIndex(end, size), s);
  const length = Math.ceil((e - s) / step);
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape[d] = length;
  strides[d] = x.strides[d] * step;
  const out = viewWithGrad(x, shape, strides, x.offset + s * x.strides[d]);
  record('slice', [out], [x], { dim: d, start: s, end: e, step });
  return out;
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const s = start < 0 ? start + x.shape[d] : start;
  if (s < 0 || length < 0 || s + length > x.shape[d]) {
    throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${x.shape[d]}) of dim ${d}`);
  }
  return slice(x, d, s, s + length, 1);
}

/**
 * Views of consecutive pieces of x along dim (already normalised) with the given sizes, recorded as one node:
 * split, chunk and unbind.
 */
export function splitViews(x: Tensor, dim: number, sizes: number[]): Tensor[] {
  let start = 0;
  const pieces = sizes.map((len) => {
    const shape = x.shape.slice();
    shape[dim] = len;
    const piece = viewWithGrad(x, shape, x.strides.slice(), x.offset + start * x.strides[dim]);
    start += len;
    return piece;
  });
  record('split', pieces, [x], { dim, sizes });
  return pieces;
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'select');
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new RangeError(`select: index ${index} out of range for tensor of size ${formatShape(x.shape)} at dimension ${d}`);
  }
  const i = index < 0 ? index + size : index;
  return squeeze(slice(x, d, i, i + 1, 1), d);
}

/** True when x's layout is the plain row-major one. */
export function isContiguous(x: Tensor): boolean {
  return isContiguousLayout(x.shape, x.strides);
}

export { contiguousStrides, Tensor };
