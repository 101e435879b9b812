/** torch.* function forms of the tensor methods (torch.add(a, b), torch.exp(x), ...). */
import { Tensor, type Dims, type TensorOrScalar } from './tensor.js';
import * as ew from './ops/elementwise.js';
import * as idx from './ops/indexing.js';
import * as linalg from './ops/linalg.js';

export const add = (a: Tensor, b: TensorOrScalar, options?: { alpha?: number }) => a.add(b, options);
export const sub = (a: Tensor, b: TensorOrScalar, options?: { alpha?: number }) => a.sub(b, options);
export const mul = (a: Tensor, b: TensorOrScalar) => a.mul(b);
export const div = (a: Tensor, b: TensorOrScalar, options?: { roundingMode?: 'trunc' | 'floor' | null }) => a.div(b, options);
/** torch.pow(x, e) or torch.pow(base, x) with a scalar base. */
export const pow = (a: Tensor | number, b: TensorOrScalar): Tensor =>
  a instanceof Tensor ? a.pow(b) : ew.reverseScalar('rpow', a, b as Tensor);
/** torch.rsub(x, s) = s - x. */
export const rsub = (x: Tensor, s: number) => ew.reverseScalar('rsub', s, x);
export const neg = (x: Tensor) => x.neg();
export const abs = (x: Tensor) => x.abs();
export const exp = (x: Tensor) => x.exp();
export const exp2 = (x: Tensor) => x.exp2();
export const expm1 = (x: Tensor) => x.expm1();
export const log = (x: Tensor) => x.log();
export const log2 = (x: Tensor) => x.log2();
export const log10 = (x: Tensor) => x.log10();
export const log1p = (x: Tensor) => x.log1p();
export const sqrt = (x: Tensor) => x.sqrt();
export const rsqrt = (x: Tensor) => x.rsqrt();
export const square = (x: Tensor) => x.square();
export const reciprocal = (x: Tensor) => x.reciprocal();
export const sin = (x: Tensor) => x.sin();
export const cos = (x: Tensor) => x.cos();
export const tan = (x: Tensor) => x.tan();
export const tanh = (x: Tensor) => x.tanh();
export const sigmoid = (x: Tensor) => x.sigmoid();
export const relu = (x: Tensor) => x.relu();
export const gelu = (x: Tensor, options?: { approximate?: 'none' | 'tanh' }) => x.gelu(options);
export const silu = (x: Tensor) => x.silu();
export const erf = (x: Tensor) => x.erf();
export const sign = (x: Tensor) => x.sign();
export const floor = (x: Tensor) => x.floor();
export const ceil = (x: Tensor) => x.ceil();
export const round = (x: Tensor) => x.round();
export const trunc = (x: Tensor) => x.trunc();
export const clamp = (x: Tensor, min?: number | null, max?: number | null) => x.clamp(min, max);
export const clip = clamp;
export const maximum = (a: Tensor, b: Tensor) => a.maximum(b);
export const minimum = (a: Tensor, b: Tensor) => a.minimum(b);
export const atan2 = (a: Tensor, b: Tensor) => a.atan2(b);
export const remainder = (a: Tensor, b: TensorOrScalar) => a.remainder(b);
export const fmod = (a: Tensor, b: TensorOrScalar) => a.fmod(b);
export const eq = (a: Tensor, b: TensorOrScalar) => a.eq(b);
export const ne = (a: Tensor, b: TensorOrScalar) => a.ne(b);
export const lt = (a: Tensor, b: TensorOrScalar) => a.lt(b);
export const le = (a: Tensor, b: TensorOrScalar) => a.le(b);
export const gt = (a: Tensor, b: TensorOrScalar) => a.gt(b);
export const ge = (a: Tensor, b: TensorOrScalar) => a.ge(b);
export const logicalAnd = (a: Tensor, b: TensorOrScalar) => a.logicalAnd(b);
export const logicalOr = (a: Tensor, b: TensorOrScalar) => a.logicalOr(b);
export const logicalXor = (a: Tensor, b: TensorOrScalar) => a.logicalXor(b);
export const logicalNot = (x: Tensor) => x.logicalNot();
export const isnan = (x: Tensor) => x.isnan();
export const isinf = (x: Tensor) => x.isinf();
export const equal = (a: Tensor, b: Tensor) => a.equal(b);
export const allclose = (a: Tensor, b: Tensor, rtol?: number, atol?: number) => a.allclose(b, rtol, atol);
/** torch.where(condition, a, b). */
export const where = (condition: Tensor, a: TensorOrScalar, b: TensorOrScalar) => ew.where(condition, a, b);
export const maskedFill = (x: Tensor, mask: Tensor, value: number | Tensor) => x.maskedFill(mask, value);
export const lerp = (start: Tensor, end: Tensor, weight: number | Tensor) => start.lerp(end, weight);

export const sum = (x: Tensor, dim?: Dims | null, keepdim?: boolean) => x.sum(dim, keepdim);
export const mean = (x: Tensor, dim?: Dims | null, keepdim?: boolean) => x.mean(dim, keepdim);
export const prod = (x: Tensor, dim?: number | null, keepdim?: boolean) => x.prod(dim, keepdim);
export const amax = (x: Tensor, dim?: Dims | null, keepdim?: boolean) => x.amax(dim, keepdim);
export const amin = (x: Tensor, dim?: Dims | null, keepdim?: boolean) => x.amin(dim, keepdim);
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function max(x: Tensor, dim?: number, keepdim?: boolean): Tensor | [Tensor, Tensor] {
  return dim === undefined ? x.max() : x.max(dim, keepdim);
}
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function min(x: Tensor, dim?: number, keepdim?: boolean): Tensor | [Tensor, Tensor] {
  return dim === undefined ? x.min() : x.min(dim, keepdim);
}
export const argmax = (x: Tensor, dim?: number | null, keepdim?: boolean) => x.argmax(dim, keepdim);
export const argmin = (x: Tensor, dim?: number | null, keepdim?: boolean) => x.argmin(dim, keepdim);
export const variance = (x: Tensor, dim?: Dims | null, options?: { correction?: number; keepdim?: boolean }) => x.var(dim, options);
export { variance as var };
export const std = (x: Tensor, dim?: Dims | null, options?: { correction?: number; keepdim?: boolean }) => x.std(dim, options);
export const logsumexp = (x: Tensor, dim: Dims, keepdim?: boolean) => x.logsumexp(dim, keepdim);
export const norm = (x: Tensor, p?: number | 'fro', dim?: Dims | null, keepdim?: boolean) => x.norm(p, dim, keepdim);
export const all = (x: Tensor, dim?: number | null, keepdim?: boolean) => x.all(dim, keepdim);
export const any = (x: Tensor, dim?: number | null, keepdim?: boolean) => x.any(dim, keepdim);
export const softmax = (x: Tensor, dim: number) => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number) => x.logSoftmax(dim);

export const matmul = (a: Tensor, b: Tensor) => linalg.matmul(a, b);
export const mm = (a: Tensor, b: Tensor) => linalg.mm(a, b);
export const bmm = (a: Tensor, b: Tensor) => linalg.bmm(a, b);
export const mv = (a: Tensor, v: Tensor) => linalg.mv(a, v);
export const dot = (a: Tensor, b: Tensor) => linalg.dot(a, b);
export const outer = (a: Tensor, b: Tensor) => linalg.outer(a, b);

export const reshape = (x: Tensor, shape: number[]) => x.reshape(shape);
export const flatten = (x: Tensor, startDim?: number, endDim?: number) => x.flatten(startDim, endDim);
export const squeeze = (x: Tensor, dim?: Dims) => x.squeeze(dim);
export const unsqueeze = (x: Tensor, dim: number) => x.unsqueeze(dim);
export const transpose = (x: Tensor, dim0: number, dim1: number) => x.transpose(dim0, dim1);
export const permute = (x: Tensor, dims: number[]) => x.permute(dims);
export const narrow = (x: Tensor, dim: number, start: number, length: number) => x.narrow(dim, start, length);
export const select = (x: Tensor, dim: number, index: number) => x.select(dim, index);
export const cat = idx.cat;
export const concat = idx.cat;
export const stack = idx.stack;
export const split = (x: Tensor, splitSize: number | number[], dim?: number) => x.split(splitSize, dim);
export const chunk = (x: Tensor, chunks: number, dim?: number) => x.chunk(chunks, dim);
export const unbind = (x: Tensor, dim?: number) => x.unbind(dim);
export const indexSelect = (x: Tensor, dim: number, index: Tensor) => x.indexSelect(dim, index);
export const gather = (x: Tensor, dim: number, index: Tensor) => x.gather(dim, index);
export const scatter = (x: Tensor, dim: number, index: Tensor, src: Tensor | number) => x.scatter(dim, index, src);
export const scatterAdd = (x: Tensor, dim: number, index: Tensor, src: Tensor) => x.scatterAdd(dim, index, src);
export const indexAdd = (x: Tensor, dim: number, index: Tensor, source: Tensor, options?: { alpha?: number }) => x.indexAdd(dim, index, source, options);
export const nonzero = (x: Tensor) => x.nonzero();
export const maskedSelect = (x: Tensor, mask: Tensor) => x.maskedSelect(mask);
export const flip = (x: Tensor, dims: Dims) => x.flip(dims);
export const clone = (x: Tensor) => x.clone();
export const detach = (x: Tensor) => x.detach();
export const numel = (x: Tensor) => x.numel();
