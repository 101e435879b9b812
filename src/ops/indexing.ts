/** Indexing (indexSelect, gather, scatter, advanced indexing) and joining/splitting (cat, stack, split). */
import { promoteTypes } from '../dtype.js';
import * as k from '../backend/kernels.js';
import { Tensor, type Dims } from '../tensor.js';
import { formatShape, normalizeDim, numelOf } from '../layout.js';
import { empty, record } from './dispatch.js';
import { splitViews, squeeze, toDType, view } from './views.js';
import { fromValues, zeros } from './creation.js';
import { autocastArgs } from '../amp/policy.js';

function checkIndex(index: Tensor, op: string): void {
  if (index.dtype !== 'int64') {
    throw new TypeError(`${op}(): Expected dtype int64 for index, but got ${index.dtype}${index.dtype.startsWith('float') ? ' (tensors used as indices must be long, int, byte or bool tensors)' : ''}`);
  }
}

/**
 * Picks the entries of `index` along dim.
 *
 * @example
 * torch.arange(6).view(3, 2).indexSelect(0, torch.tensor([2, 0])); // [[4, 5], [0, 1]]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, 'index_select');
  if (index.ndim > 1) throw new RangeError('index_select(): Index is supposed to be a vector');
  const d = normalizeDim(dim, x.ndim, 'index_select');
  const shape = x.ndim === 0 ? [] : x.shape.slice();
  if (x.ndim > 0) shape[d] = index.numel();
  const out = empty(shape, x.dtype);
  const source = x.ndim === 0 ? Object.assign({ storage: x.storage, dtype: x.dtype, offset: x.offset }, { shape: [1], strides: [1] }) : x;
  const target = x.ndim === 0 ? Object.assign({ storage: out.storage, dtype: out.dtype, offset: 0 }, { shape: [index.numel()], strides: [1] }) : out;
  k.indexSelect(target, source, index, d);
  record('indexSelect', [out], [x, index], { dim: d });
  return out;
}

/** out = x with source added at `index` along dim (times alpha). */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, alpha = 1): Tensor {
  checkIndex(index, 'index_add');
  const d = normalizeDim(dim, x.ndim, 'index_add');
  const src = source.dtype === x.dtype ? source : toDType(source, x.dtype);
  const out = x.clone();
  k.indexAdd(out, index, alpha === 1 ? src : src.mul(alpha), d);
  record('indexAdd', [out], [x, index, src], { dim: d, alpha });
  return out;
}

function checkGatherShapes(x: Tensor, index: Tensor, d: number, op: string, src?: Tensor): void {
  if (index.ndim !== x.ndim && !(x.ndim === 0 && index.ndim <= 1)) {
    throw new RangeError(`${op}(): Index tensor must have the same number of dimensions as input tensor (index ${formatShape(index.shape)}, input ${formatShape(x.shape)})`);
  }
  for (let i = 0; i < index.ndim; i++) {
    if (i !== d && index.shape[i] > (x.shape[i] ?? 1)) {
      throw new RangeError(`${op}(): Size does not match at dimension ${i} expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(x.shape)} apart from dimension ${d}`);
    }
    if (src && index.shape[i] > (src.shape[i] ?? 1)) {
      throw new RangeError(`${op}(): Expected index ${formatShape(index.shape)} to be smaller than src ${formatShape(src.shape)}`);
    }
  }
}

export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, 'gather');
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes(x, index, d, 'gather');
  const out = empty(index.shape.slice(), x.dtype);
  k.gather(out, x, index, d);
  record('gather', [out], [x, index], { dim: d });
  return out;
}

/** Out-of-place scatter / scatterAdd: a copy of x with src written (or added) at index along dim. */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number, add: boolean): Tensor {
  const op = add ? 'scatter_add' : 'scatter';
  checkIndex(index, op);
  const d = normalizeDim(dim, x.ndim, op);
  const source = src instanceof Tensor ? (src.dtype === x.dtype ? src : toDType(src, x.dtype)) : fromValues([src], [], x.dtype).expand(index.shape);
  checkGatherShapes(x, index, d, op, source);
  const out = x.clone();
  k.scatter(out, index, source, d, add);
  if (add) record('scatterAdd', [out], [x, index, source], { dim: d });
  else record('scatter', [out], [x, index, src instanceof Tensor ? source : null], { dim: d });
  return out;
}

/**
 * Concatenates tensors along an existing dim.
 *
 * @example
 * torch.cat([torch.zeros(2, 3), torch.ones(1, 3)], 0).shape; // [3, 3]
 */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('cat(): expected a non-empty list of Tensors');
  tensors = autocastArgs('cat', tensors);
  // Legacy behaviour kept by PyTorch: 1-D empty tensors are skipped.
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return tensors[0].clone();
  const ref = parts[0];
  if (ref.ndim === 0) throw new RangeError('cat(): zero-dimensional tensor (at position 0) cannot be concatenated');
  const d = normalizeDim(dim, ref.ndim, 'cat');
  let dtype = ref.dtype;
  let total = 0;
  parts.forEach((t, i) => {
    if (t.ndim !== ref.ndim) {
      throw new RangeError(`cat(): Tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim} (tensor at position ${i})`);
    }
    for (let j = 0; j < t.ndim; j++) {
      if (j !== d && t.shape[j] !== ref.shape[j]) {
        throw new RangeError(`cat(): Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[j]} but got size ${t.shape[j]} for tensor number ${i} in the list.`);
      }
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[d];
  });
  const shape = ref.shape.slice();
  shape[d] = total;
  const out = empty(shape, dtype);
  let start = 0;
  const inputs = parts.map((t) => (t.dtype === dtype ? t : toDType(t, dtype)));
  for (const t of inputs) {
    const len = t.shape[d];
    if (len > 0) {
      const strides = out.strides.slice();
      const sliceShape = t.shape.slice();
      k.copy({ storage: out.storage, dtype, shape: sliceShape, strides, offset: start * out.strides[d] }, t);
    }
    start += len;
  }
  record('cat', [out], inputs, { dim: d });
  return out;
}

/** Joins tensors of equal shape along a new dim. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack expects a non-empty TensorList');
  const ref = tensors[0];
  tensors.forEach((t, i) => {
    if (t.ndim !== ref.ndim || t.shape.some((s, j) => s !== ref.shape[j])) {
      throw new RangeError(`stack expects each tensor to be equal size, but got ${formatShape(ref.shape)} at entry 0 and ${formatShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normalizeDim(dim, ref.ndim + 1, 'stack');
  tensors = autocastArgs('stack', tensors);
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

export function split(x: Tensor, splitSize: number | number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'split');
  const size = x.shape[d];
  let sizes: number[];
  if (Array.isArray(splitSize)) {
    if (splitSize.reduce((a, b) => a + b, 0) !== size) {
      throw new RangeError(`split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${formatShape(splitSize)}`);
    }
    sizes = splitSize;
  } else {
    if (!Number.isInteger(splitSize) || splitSize <= 0) throw new RangeError('split expects a positive split_size');
    sizes = [];
    for (let s = 0; s < size; s += splitSize) sizes.push(Math.min(splitSize, size - s));
    if (sizes.length === 0) sizes.push(0);
  }
  return splitViews(x, d, sizes);
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError('chunk expects `chunks` to be greater than 0');
  const d = normalizeDim(dim, x.ndim, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'unbind');
  return splitViews(x, d, new Array<number>(x.shape[d]).fill(1)).map((piece) => squeeze(piece, d));
}

/** Indices of nonzero elements as an [n, ndim] int64 tensor. */
export function nonzero(x: Tensor): Tensor {
  const data = x.dataSync();
  const coords: number[] = [];
  const n = x.numel();
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (Number(data[i]) === 0) continue;
    count++;
    let rest = i;
    const c = new Array<number>(x.ndim);
    for (let d = x.ndim - 1; d >= 0; d--) {
      c[d] = rest % x.shape[d];
      rest = Math.floor(rest / x.shape[d]);
    }
    coords.push(...c);
  }
  return fromValues(coords, [count, x.ndim], 'int64');
}

export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== 'bool') throw new TypeError(`masked_select: expected BoolTensor for mask, got ${mask.dtype}`);
  const expandedMask = mask.expand(x.shape);
  const flatIndex = nonzero(expandedMask.reshape([-1])).view(-1);
  return indexSelect(x.reshape([-1]), 0, flatIndex);
}

/**
 * Advanced indexing over the leading dims with int64 / bool index tensors (PyTorch's x[i, j]); null leaves a
 * dim whole. Index tensors broadcast together; the indexed dims are replaced by the broadcast index shape.
 */
export function index(x: Tensor, indices: (Tensor | null)[]): Tensor {
  if (indices.length > x.ndim) throw new RangeError(`too many indices for tensor of dimension ${x.ndim}`);
  // Bool masks become the integer coordinates of their true entries.
  const expanded: (Tensor | null)[] = [];
  indices.forEach((ix) => {
    if (ix === null) expanded.push(null);
    else if (ix.dtype === 'bool' || ix.dtype === 'uint8') {
      const nz = nonzero(ix);
      for (let j = 0; j < ix.ndim; j++) expanded.push(nz.select(1, j));
    } else if (ix.dtype === 'int64' || ix.dtype === 'int32') {
      expanded.push(ix.dtype === 'int64' ? ix : ix.long());
    } else {
      throw new TypeError(`tensors used as indices must be long, int, byte or bool tensors (got ${ix.dtype})`);
    }
  });
  const dims = expanded.map((t, i) => (t ? i : -1)).filter((i) => i >= 0);
  if (dims.length === 0) return x;
  const first = dims[0], last = dims[dims.length - 1];
  if (last - first + 1 !== dims.length) {
    throw new RangeError('index: indexed dims must be adjacent (split advanced indices are not supported)');
  }
  let bshape: number[] = [];
  for (const d of dims) bshape = bshapeOf(bshape, expanded[d]!.shape);
  // Linearise the indexed dims: flat = sum(i_d * stride_d) over a contiguous view of those dims.
  const sizes = dims.map((d) => x.shape[d]);
  let flat: Tensor | null = null;
  let stride = 1;
  for (let j = dims.length - 1; j >= 0; j--) {
    const ix = expanded[dims[j]]!;
    const size = sizes[j];
    const bad = ix.ge(size).logicalOr(ix.lt(-size)).any().item();
    if (bad) {
      const values = ix.dataSync();
      const v = Array.from(values, Number).find((n) => n >= size || n < -size);
      throw new RangeError(`index ${v} is out of bounds for dimension ${dims[j]} with size ${size}`);
    }
    const wrapped = ix.add(ix.lt(0).long().mul(size));
    const term: Tensor = wrapped.mul(stride).expand(bshape);
    flat = flat === null ? term : flat.add(term);
    stride *= size;
  }
  const before = x.shape.slice(0, first), after = x.shape.slice(last + 1);
  const merged = x.reshape([...before, numelOf(sizes), ...after]);
  const picked = indexSelect(merged, first, flat!.reshape([-1]));
  return view(picked, [...before, ...bshape, ...after]);
}

function bshapeOf(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[i - (n - a.length)] ?? 1, y = b[i - (n - b.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new RangeError(`shape mismatch: indexing tensors could not be broadcast together with shapes ${formatShape(a)}, ${formatShape(b)}`);
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Tiles x (torch.Tensor.repeat). */
export function repeat(x: Tensor, sizes: number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new RangeError('Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  }
  const lead = sizes.length - x.ndim;
  const shape = [...new Array<number>(lead).fill(1), ...x.shape];
  const interleaved: number[] = [], expandTo: number[] = [];
  shape.forEach((s, i) => {
    interleaved.push(1, s);
    expandTo.push(sizes[i], s);
  });
  return x.reshape(interleaved).expand(expandTo).reshape(shape.map((s, i) => s * sizes[i]));
}

export function flip(x: Tensor, dims: Dims): Tensor {
  let out = x;
  for (const d of Array.isArray(dims) ? dims : [dims]) {
    const dim = normalizeDim(d, x.ndim, 'flip');
    const n = x.shape[dim];
    const idx = fromValues(Array.from({ length: n }, (_, i) => n - 1 - i), [n], 'int64');
    out = indexSelect(out, dim, idx);
  }
  return out === x ? x.clone() : out;
}

export { zeros };
