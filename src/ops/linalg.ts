/** Matrix products on oneDNN: matmul with PyTorch's 1-D and batch-broadcast rules, and friends. */
import { promoteTypes } from '../dtype.js';
import * as k from '../backend/kernels.js';
import type { Tensor } from '../tensor.js';
import { broadcastShapes, formatShape } from '../layout.js';
import { empty, record } from './dispatch.js';
import { contiguous, reshape, toDType, view } from './views.js';
import { autocastArgs } from '../amp/policy.js';

/** oneDNN needs a unit stride in one of the two matrix dims. */
function matrixFriendly(t: Tensor): Tensor {
  const n = t.ndim;
  const [r, c] = [t.shape[n - 2], t.shape[n - 1]];
  const [sr, sc] = [t.strides[n - 2], t.strides[n - 1]];
  return sc === 1 || sr === 1 || r === 1 || c === 1 ? t : contiguous(t);
}

function mismatch(a: Tensor, b: Tensor, op: string): never {
  const fmt = (t: Tensor) => (t.ndim === 2 ? `${t.shape[0]}x${t.shape[1]}` : formatShape(t.shape));
  throw new RangeError(
    `${op}: mat1 and mat2 shapes cannot be multiplied (${fmt(a)} and ${fmt(b)}): ` +
      `expected the last dim of the first operand to equal the ${b.ndim === 1 ? 'size' : 'second-to-last dim'} of the second`,
  );
}

/**
 * Matrix product with PyTorch's rules: 1-D operands are promoted (and the added dim removed), batch dims
 * broadcast.
 *
 * @example
 * torch.randn(10, 3, 4).matmul(torch.randn(4, 5)).shape; // [10, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  [a, b] = autocastArgs('matmul', [a, b]);
  return product(a, b, 'matmul');
}

/**
 * matmul without an autocast policy (dot and mv have none in PyTorch; mm, bmm and linear apply their own).
 * A bias [N] (linear's) is added inside the kernel, before the result is rounded to its dtype.
 */
function product(a: Tensor, b: Tensor, op: string, bias: Tensor | null = null): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`${op}: both arguments need at least 1 dimension, but got ${a.ndim}D and ${b.ndim}D tensors`);
  }
  const dtype = promoteTypes(a.dtype, b.dtype);
  if (a.dtype !== dtype) a = toDType(a, dtype);
  if (b.dtype !== dtype) b = toDType(b, dtype);
  const a2 = a.ndim === 1 ? view(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? view(b, [b.shape[0], 1]) : b;
  const K = a2.shape[a2.ndim - 1];
  if (b2.shape[b2.ndim - 2] !== K) mismatch(a, b, op);
  const M = a2.shape[a2.ndim - 2], N = b2.shape[b2.ndim - 1];
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), op);
  const rank = batch.length + 2;
  const pad = (t: Tensor) => (t.ndim === rank ? t : view(t, [...new Array<number>(rank - t.ndim).fill(1), ...t.shape]));
  const a3 = matrixFriendly(pad(a2)), b3 = matrixFriendly(pad(b2));
  const out = empty([...batch, M, N], dtype);
  if (bias) bias = contiguous(bias.dtype === dtype ? bias : toDType(bias, dtype));
  k.matmul(out, a3, b3, bias);
  record('matmul', [out], [a3, b3, bias], {});
  let shape = [...batch, M, N];
  if (a.ndim === 1) shape = [...batch, N];
  if (b.ndim === 1) shape = a.ndim === 1 ? [...batch] : [...batch, M];
  return a.ndim === 1 || b.ndim === 1 ? view(out, shape) : out;
}

export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`mm: expected 2-D tensors, got ${a.ndim}-D and ${b.ndim}-D`);
  [a, b] = autocastArgs('mm', [a, b]);
  return product(a, b, 'mm');
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw new RangeError(`bmm: expected 3-D tensors, got ${a.ndim}-D and ${b.ndim}-D`);
  if (a.shape[0] !== b.shape[0]) throw new RangeError(`bmm: batch sizes differ (${a.shape[0]} and ${b.shape[0]})`);
  [a, b] = autocastArgs('bmm', [a, b]);
  return product(a, b, 'bmm');
}

export function mv(a: Tensor, v: Tensor): Tensor {
  if (a.ndim !== 2 || v.ndim !== 1) throw new RangeError(`mv: expected a 2-D matrix and a 1-D vector, got ${a.ndim}-D and ${v.ndim}-D`);
  return product(a, v, 'mv');
}

export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`dot: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`dot: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements`);
  }
  return product(a, b, 'dot');
}

export function outer(a: Tensor, b: Tensor): Tensor {
  return a.reshape([-1, 1]).mul(b.reshape([1, -1]));
}

/**
 * y = x Wᵀ + b (torch.nn.functional.linear). Leading dims fold into one, as PyTorch does: a [L, N, E] input
 * is one [L*N, E] product, not L small ones (attention's [L, 1, E] inputs ran three times slower so).
 *
 * @example
 * linear(torch.randn(10, 4, 8), torch.randn(16, 8)).shape; // [10, 4, 16]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  [x, weight, bias] = autocastArgs('linear', [x, weight, bias]);
  return linearImpl(x, weight, bias);
}

function linearImpl(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (x.ndim > 2 && weight.ndim === 2) {
    const lead = x.shape.slice(0, -1);
    const y = linearImpl(reshape(x, [-1, x.shape[x.ndim - 1]]), weight, bias);
    return view(y, [...lead, weight.shape[0]]);
  }
  // A 1-D bias of the output's width goes into the product (one rounding, as PyTorch's addmm); any other
  // shape broadcasts as an ordinary add.
  const fused = bias && bias.ndim === 1 && x.ndim === 2 && weight.ndim === 2 && bias.shape[0] === weight.shape[0]
    && promoteTypes(promoteTypes(x.dtype, weight.dtype), bias.dtype) === promoteTypes(x.dtype, weight.dtype);
  if (fused) return product(x, weight.t(), 'linear', bias);
  const y = product(x, weight.t(), 'linear');
  return bias ? y.add(bias) : y;
}
