/**
 * The op table: every differentiable operation, what it saves for backward, and its backward rule written
 * with Tensor operations (so rules are backend-free and differentiable again). The mapped type makes the
 * table exhaustive: adding an op to OpAttrs without a rule (or an explicit 'nondiff') does not compile.
 * Gradients that come out broadcast are summed back to the input's shape by the engine.
 */
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { InputMeta } from '../autograd/node.js';
import { zeros } from './creation.js';
import { cat } from './indexing.js';
import { prodOver } from './reduce.js';
import { reluBackward } from './elementwise.js';
import type { ConvGeometry, PoolSpec } from '../backend/kernels.js';
import { conv2dBackward } from './conv.js';
import { batchNormBackward } from './batchnorm.js';
import { pool2dBackward } from './pool.js';
import { rnnLayerBackward, type RnnMode } from './rnn.js';

type None = Record<string, never>;
export type UnaryName =
  | 'neg' | 'abs' | 'exp' | 'exp2' | 'expm1' | 'log' | 'log2' | 'log10' | 'log1p' | 'sqrt' | 'rsqrt' | 'square'
  | 'reciprocal' | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'tanh' | 'sigmoid'
  | 'relu' | 'silu' | 'erf' | 'sign' | 'floor' | 'ceil' | 'round' | 'trunc';

/** Every recorded op and the type of its attributes. */
export interface OpAttrs extends Record<UnaryName, None> {
  gelu: { approximate: 'none' | 'tanh' };
  reluBackward: None;
  add: None; sub: None; mul: None; div: None; pow: None; maximum: None; minimum: None; atan2: None;
  remainder: None; fmod: None;
  addScalar: { value: number }; mulScalar: { value: number }; divScalar: { value: number }; powScalar: { exponent: number };
  rpowScalar: { base: number }; rsubScalar: { value: number };
  remainderScalar: None; fmodScalar: None;
  where: None;
  clamp: { min: number | null; max: number | null };
  maskedFill: None;
  cast: { dtype: DType };
  clone: None;
  view: { shape: number[] };
  permute: { dims: number[] };
  expand: None;
  slice: { dim: number; start: number; end: number; step: number };
  sum: { dims: number[]; keepdim: boolean };
  prod: { dims: number[]; keepdim: boolean };
  amax: { dims: number[]; keepdim: boolean };
  amin: { dims: number[]; keepdim: boolean };
  maxDim: { dim: number; keepdim: boolean };
  minDim: { dim: number; keepdim: boolean };
  softmax: { dim: number };
  logSoftmax: { dim: number };
  matmul: None;
  indexSelect: { dim: number };
  indexAdd: { dim: number; alpha: number };
  gather: { dim: number };
  scatter: { dim: number };
  scatterAdd: { dim: number };
  cat: { dim: number };
  split: { dim: number; sizes: number[] };
  conv2d: { geometry: ConvGeometry };
  batchNorm: { training: boolean; eps: number; relu: boolean; maxPool: [number, number] | null };
  pool2d: { spec: PoolSpec; channelsLast: boolean };
  rnnLayer: { mode: RnnMode; directions: 1 | 2; hasBias: boolean; reverse: boolean };
  // Not differentiable: comparisons, logical ops, index-valued results, random numbers.
  compare: None; argReduce: None; logical: None; random: None;
}
export type OpName = keyof OpAttrs;

export interface GradContext<A> {
  attrs: A;
  /** The tensors `save` returned, unpacked (null where save gave null). */
  saved: Tensor[];
  /** Shape and dtype of every input. */
  inputs: InputMeta[];
  /** Whether input i needs a gradient (rules may skip the others). */
  needs: boolean[];
}

export interface GradRule<A> {
  save?: (inputs: Tensor[], outputs: Tensor[], attrs: A) => (Tensor | null)[];
  backward: (grads: Tensor[], ctx: GradContext<A>) => (Tensor | null)[];
  /** Outputs that never carry gradient (e.g. the indices of max). */
  nondiffOutputs?: number[];
  /** The rule takes null for outputs that received no gradient (and makes zeros of the right shape itself). */
  nullGrads?: boolean;
}

const saveInputs = (inputs: Tensor[]) => inputs;
const saveOutput = (_: Tensor[], outputs: Tensor[]) => [outputs[0]];
const saveInput0 = (inputs: Tensor[]) => [inputs[0]];
const zeroGrad = { backward: ([g]: Tensor[]) => [g.mul(0)] };

/** Puts back the dims a reduction removed, so the gradient broadcasts over them. */
function unreduce(g: Tensor, dims: number[], keepdim: boolean): Tensor {
  if (keepdim) return g;
  let out = g;
  for (const d of [...dims].sort((a, b) => a - b)) out = out.unsqueeze(d);
  return out;
}

export const gradRules: { [K in OpName]: GradRule<OpAttrs[K]> | 'nondiff' } = {
  neg: { backward: ([g]) => [g.neg()] },
  abs: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.sign())] },
  exp: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y)] },
  exp2: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y).mul(Math.LN2)] },
  expm1: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y.add(1))] },
  log: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.div(x)] },
  log2: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.div(x.mul(Math.LN2))] },
  log10: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.div(x.mul(Math.LN10))] },
  log1p: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.div(x.add(1))] },
  sqrt: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.div(y.mul(2))] },
  rsqrt: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y.pow(3)).mul(-0.5)] },
  square: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x).mul(2)] },
  reciprocal: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y.mul(y)).neg()] },
  sin: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.cos())] },
  cos: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.sin()).neg()] },
  tan: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y.mul(y).add(1))] },
  asin: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.mul(x).neg().add(1).rsqrt())] },
  acos: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.mul(x).neg().add(1).rsqrt()).neg()] },
  atan: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.div(x.mul(x).add(1))] },
  sinh: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.cosh())] },
  cosh: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.sinh())] },
  tanh: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y.mul(y).neg().add(1))] },
  sigmoid: { save: saveOutput, backward: ([g], { saved: [y] }) => [g.mul(y.mul(y.neg().add(1)))] },
  // NOTE: the mask comes from the output (y > 0), as PyTorch's threshold_backward does.
  relu: { save: saveOutput, backward: ([g], { saved: [y] }) => [reluBackward(g, y)] },
  reluBackward: { save: (inputs) => [inputs[1]], backward: ([g], { saved: [y] }) => [reluBackward(g, y), null] },
  silu: {
    save: saveInput0,
    backward: ([g], { saved: [x] }) => {
      const s = x.sigmoid();
      return [g.mul(s.mul(x.mul(s.neg().add(1)).add(1)))];
    },
  },
  erf: { save: saveInput0, backward: ([g], { saved: [x] }) => [g.mul(x.mul(x).neg().exp().mul(2 / Math.sqrt(Math.PI)))] },
  gelu: {
    save: saveInput0,
    backward: ([g], { saved: [x], attrs }) => {
      if (attrs.approximate === 'tanh') {
        const k = Math.sqrt(2 / Math.PI);
        const x2 = x.mul(x);
        const inner = x.add(x2.mul(x).mul(0.044715)).mul(k);
        const t = inner.tanh();
        const dInner = x2.mul(3 * 0.044715).add(1).mul(k);
        const d = t.add(1).mul(0.5).add(x.mul(0.5).mul(t.mul(t).neg().add(1)).mul(dInner));
        return [g.mul(d)];
      }
      const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
      const pdf = x.mul(x).mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
      return [g.mul(cdf.add(x.mul(pdf)))];
    },
  },
  sign: zeroGrad, floor: zeroGrad, ceil: zeroGrad, round: zeroGrad, trunc: zeroGrad,

  add: { backward: ([g]) => [g, g] },
  sub: { backward: ([g]) => [g, g.neg()] },
  mul: {
    save: saveInputs,
    backward: ([g], { saved: [a, b], needs }) => [needs[0] ? g.mul(b) : null, needs[1] ? g.mul(a) : null],
  },
  div: {
    save: saveInputs,
    backward: ([g], { saved: [a, b], needs }) => [
      needs[0] ? g.div(b) : null,
      needs[1] ? g.mul(a).div(b.mul(b)).neg() : null,
    ],
  },
  pow: {
    save: (inputs, outputs) => [inputs[0], inputs[1], outputs[0]],
    backward: ([g], { saved: [a, b, y], needs }) => [
      // d/da a^b = b * a^(b-1); d/db = a^b * log(a) (taken as 0 where a == 0, as PyTorch does)
      needs[0] ? g.mul(b.mul(a.pow(b.sub(1)))).where(b.ne(0), 0) : null,
      needs[1] ? g.mul(y.mul(a.log())).where(a.ne(0), 0) : null,
    ],
  },
  maximum: {
    save: saveInputs,
    backward: ([g], { saved: [a, b] }) => {
      const half = g.mul(0.5);
      return [g.where(a.gt(b), 0).add(half.where(a.eq(b), 0)), g.where(b.gt(a), 0).add(half.where(a.eq(b), 0))];
    },
  },
  minimum: {
    save: saveInputs,
    backward: ([g], { saved: [a, b] }) => {
      const half = g.mul(0.5);
      return [g.where(a.lt(b), 0).add(half.where(a.eq(b), 0)), g.where(b.lt(a), 0).add(half.where(a.eq(b), 0))];
    },
  },
  atan2: {
    save: saveInputs,
    backward: ([g], { saved: [a, b] }) => {
      const denom = a.mul(a).add(b.mul(b));
      return [g.mul(b).div(denom), g.mul(a).neg().div(denom)];
    },
  },
  remainder: {
    save: saveInputs,
    backward: ([g], { saved: [a, b] }) => [g, g.mul(a.div(b).floor()).neg()],
  },
  fmod: {
    save: saveInputs,
    backward: ([g], { saved: [a, b] }) => [g, g.mul(a.div(b).trunc()).neg()],
  },
  addScalar: { backward: ([g]) => [g] },
  mulScalar: { backward: ([g], { attrs }) => [g.mul(attrs.value)] },
  divScalar: { backward: ([g], { attrs }) => [g.div(attrs.value)] },
  powScalar: {
    save: saveInput0,
    backward: ([g], { saved: [x], attrs: { exponent } }) =>
      [exponent === 0 ? g.mul(0) : g.mul(x.pow(exponent - 1).mul(exponent))],
  },
  rpowScalar: { save: saveOutput, backward: ([g], { saved: [y], attrs }) => [g.mul(y.mul(Math.log(attrs.base)))] },
  rsubScalar: { backward: ([g]) => [g.neg()] },
  remainderScalar: { backward: ([g]) => [g] },
  fmodScalar: { backward: ([g]) => [g] },
  where: {
    save: saveInput0,
    backward: ([g], { saved: [cond], needs }) => [null, needs[1] ? g.where(cond, 0) : null, needs[2] ? g.mul(0).where(cond, g) : null],
  },
  clamp: {
    save: saveInput0,
    backward: ([g], { saved: [x], attrs: { min, max } }) => {
      let mask = x.ge(min ?? -Infinity);
      if (max !== null) mask = mask.logicalAnd(x.le(max));
      return [g.where(mask, 0)];
    },
  },
  maskedFill: {
    save: saveInput0,
    backward: ([g], { saved: [mask], needs }) => [
      null,
      needs[1] ? g.maskedFill(mask, 0) : null,
      needs[2] ? g.where(mask, 0).sum() : null,
    ],
  },
  cast: { backward: ([g], { inputs }) => [g.to(inputs[0].dtype)] },
  clone: { backward: ([g]) => [g] },
  view: { backward: ([g], { inputs }) => [g.reshape(inputs[0].shape)] },
  permute: {
    backward: ([g], { attrs: { dims } }) => {
      const inverse = new Array<number>(dims.length);
      dims.forEach((d, i) => (inverse[d] = i));
      return [g.permute(inverse)];
    },
  },
  expand: { backward: ([g]) => [g] },
  slice: {
    backward: ([g], { inputs, attrs: { dim, start, end, step } }) => {
      const full = zeros(inputs[0].shape, { dtype: g.dtype });
      full.slice(dim, start, end, step).copy_(g);
      return [full];
    },
  },
  sum: { backward: ([g], { inputs, attrs: { dims, keepdim } }) => [unreduce(g, dims, keepdim).expand(inputs[0].shape)] },
  prod: {
    save: (inputs, outputs) => [inputs[0], outputs[0]],
    // d prod / d x_i is the product of the other entries: y / x_i when no entry is zero, the product of the
    // nonzero entries at a single zero, and 0 everywhere when two or more entries are zero.
    backward: ([g], { saved: [x, y], attrs: { dims, keepdim } }) => {
      const gu = unreduce(g, dims, keepdim), yu = unreduce(y, dims, keepdim);
      const isZero = x.eq(0);
      const safe = x.where(isZero.logicalNot(), 1);
      const zeros = isZero.sum(dims, true);
      const noZero = gu.mul(yu).div(safe).where(zeros.eq(0), 0);
      const oneZero = gu.mul(prodOver(safe, dims)).where(isZero.logicalAnd(zeros.eq(1)), 0);
      return [noZero.add(oneZero)];
    },
  },
  amax: {
    save: (inputs, outputs) => [inputs[0], outputs[0]],
    backward: ([g], { saved: [x, y], attrs: { dims, keepdim } }) => {
      const mask = x.eq(unreduce(y, dims, keepdim)).to(g.dtype);
      return [unreduce(g, dims, keepdim).mul(mask).div(mask.sum(dims, true))];
    },
  },
  amin: {
    save: (inputs, outputs) => [inputs[0], outputs[0]],
    backward: ([g], { saved: [x, y], attrs: { dims, keepdim } }) => {
      const mask = x.eq(unreduce(y, dims, keepdim)).to(g.dtype);
      return [unreduce(g, dims, keepdim).mul(mask).div(mask.sum(dims, true))];
    },
  },
  maxDim: {
    save: (_, outputs) => [outputs[1]],
    nondiffOutputs: [1],
    backward: ([g], { saved: [indices], inputs, attrs: { dim, keepdim } }) =>
      [zeros(inputs[0].shape, { dtype: g.dtype }).scatter(dim, unreduce(indices, [dim], keepdim), unreduce(g, [dim], keepdim))],
  },
  minDim: {
    save: (_, outputs) => [outputs[1]],
    nondiffOutputs: [1],
    backward: ([g], { saved: [indices], inputs, attrs: { dim, keepdim } }) =>
      [zeros(inputs[0].shape, { dtype: g.dtype }).scatter(dim, unreduce(indices, [dim], keepdim), unreduce(g, [dim], keepdim))],
  },
  softmax: {
    save: saveOutput,
    backward: ([g], { saved: [y], attrs: { dim } }) => [y.mul(g.sub(g.mul(y).sum(dim, true)))],
  },
  logSoftmax: {
    save: saveOutput,
    backward: ([g], { saved: [y], attrs: { dim } }) => [g.sub(y.exp().mul(g.sum(dim, true)))],
  },
  // Inputs [a, b, bias | null]: linear's bias [N] is added inside the product.
  matmul: {
    save: (inputs) => [inputs[0], inputs[1]],
    backward: ([g], { saved: [a, b], needs }) => [
      needs[0] ? g.matmul(b.transpose(-2, -1)) : null,
      needs[1] ? a.transpose(-2, -1).matmul(g) : null,
      needs[2] ? g.reshape([-1, g.shape[g.ndim - 1]]).sum(0) : null,
    ],
  },
  indexSelect: {
    save: (inputs) => [inputs[1]],
    backward: ([g], { saved: [index], inputs, attrs: { dim } }) =>
      [zeros(inputs[0].shape, { dtype: g.dtype }).indexAdd(dim, index, g), null],
  },
  indexAdd: {
    save: (inputs) => [inputs[1]],
    backward: ([g], { saved: [index], attrs: { dim, alpha } }) => [g, null, g.indexSelect(dim, index).mul(alpha)],
  },
  gather: {
    save: (inputs) => [inputs[1]],
    backward: ([g], { saved: [index], inputs, attrs: { dim } }) =>
      [zeros(inputs[0].shape, { dtype: g.dtype }).scatterAdd(dim, index, g), null],
  },
  scatter: {
    save: (inputs) => [inputs[1]],
    backward: ([g], { saved: [index], attrs: { dim }, needs }) => [
      needs[0] ? g.scatter(dim, index, 0) : null,
      null,
      needs[2] ? g.gather(dim, index) : null,
    ],
  },
  scatterAdd: {
    save: (inputs) => [inputs[1]],
    backward: ([g], { saved: [index], attrs: { dim }, needs }) => [g, null, needs[2] ? g.gather(dim, index) : null],
  },
  // split/chunk/unbind: one node for all pieces, so the gradient is one concatenation (zeros for pieces
  // without one) instead of a zero-filled input-sized tensor per piece.
  split: {
    nullGrads: true,
    backward: (grads, { inputs, attrs: { dim, sizes } }) => {
      const { shape, dtype } = inputs[0];
      const pieces = grads.map((g, i) => g ?? zeros(shape.map((n, d) => (d === dim ? sizes[i] : n)), { dtype }));
      return [pieces.length === 1 ? pieces[0] : cat(pieces, dim)];
    },
  },
  cat: {
    backward: ([g], { inputs, attrs: { dim } }) => {
      let start = 0;
      return inputs.map((meta) => {
        const length = meta.shape.length === 0 ? 0 : meta.shape[dim];
        const piece = g.narrow(dim, start, length);
        start += length;
        return piece;
      });
    },
  },
  // Fat ops: their gradients are native backward primitives (so no double backward through them).
  conv2d: {
    save: (inputs) => [inputs[0], inputs[1]],
    backward: ([g], { saved: [x, w], attrs: { geometry }, needs }) => conv2dBackward(g, x!, w!, geometry, needs),
  },
  batchNorm: {
    save: (inputs, outputs) => [inputs[0], inputs[1], inputs[2], outputs[1], outputs[2], outputs[3] ?? null],
    nondiffOutputs: [1, 2, 3],
    backward: ([g], { saved: [x, w, b, mean, variance, extra], attrs: { training, eps, relu, maxPool }, needs }) =>
      batchNormBackward(g, x!, w, b, mean!, variance!, training, eps, relu, extra ?? null, needs, maxPool),
  },
  pool2d: {
    save: (_, outputs) => [outputs[1] ?? null],
    nondiffOutputs: [1],
    backward: ([g], { saved: [indices], inputs, attrs: { spec, channelsLast } }) =>
      [pool2dBackward(g, inputs[0].shape, inputs[0].dtype, indices, spec, channelsLast)],
  },
  // Outputs [output, workspace, hn, cn?]; inputs [x, h0, c0 | null, ...per-direction parameters].
  rnnLayer: {
    save: (inputs, outputs) => [inputs[0], inputs[1], inputs[2], outputs[0], outputs[1], outputs[2], outputs[3] ?? null, ...inputs.slice(3)],
    nondiffOutputs: [1],
    nullGrads: true,
    backward: (grads, { saved, attrs }) => rnnLayerBackward(grads, saved, attrs),
  },
  compare: 'nondiff',
  argReduce: 'nondiff',
  logical: 'nondiff',
  random: 'nondiff',
};
