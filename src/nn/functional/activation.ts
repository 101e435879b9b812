/**
 * Activation functions (torch.nn.functional). Composites of tensor ops, so autograd comes for free; where
 * PyTorch's gradient differs from the naive composite (at kinks, or through an overflowing branch), the
 * composite is arranged to give PyTorch's.
 */
import type { Tensor } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { warnOnce } from '../utils.js';
import { isGradEnabled } from '../../autograd/grad_mode.js';

/** Writes result into x when inplace (PyTorch's `inplace=True`), otherwise returns it. */
const maybeInplace = (x: Tensor, result: Tensor, inplace: boolean): Tensor => (inplace ? x.copy_(result) : result);
/**
 * The tensor an in-place activation computes from. NOTE: a composite that saves its input for backward (silu,
 * mish, elu) must not save x itself when x is then overwritten: autograd would find it modified. A copy keeps
 * the saved value intact, as PyTorch keeps the original for its in-place kernels.
 */
const inplaceSource = (x: Tensor, inplace: boolean): Tensor => (inplace && x.requiresGrad && isGradEnabled() ? x.clone() : x);

/** max(0, x). @example F.relu(torch.tensor([-1, 2])) // [0, 2] */
export function relu(x: Tensor, options: { inplace?: boolean } = {}): Tensor {
  return options.inplace ? x.relu_() : x.relu();
}

/**
 * min(max(x, minVal), maxVal). The gradient is zero at the bounds, as PyTorch's hardtanh_backward.
 *
 * @example F.hardtanh(x, { minVal: -2, maxVal: 2 })
 */
export function hardtanh(x: Tensor, options: { minVal?: number; maxVal?: number; inplace?: boolean } = {}): Tensor {
  const min = options.minVal ?? -1, max = options.maxVal ?? 1;
  if (min > max) throw new RangeError('min_val cannot be greater than max_val');
  const inside = x.gt(min).logicalAnd(x.lt(max));
  return maybeInplace(x, x.where(inside, x.detach().clamp(min, max)), options.inplace ?? false);
}

/** min(max(0, x), 6). @example F.relu6(x) */
export function relu6(x: Tensor, options: { inplace?: boolean } = {}): Tensor {
  return hardtanh(x, { minVal: 0, maxVal: 6, inplace: options.inplace });
}

/** x for x > 0, negativeSlope * x otherwise. @example F.leakyRelu(x, 0.2) */
export function leakyRelu(x: Tensor, negativeSlope = 0.01, options: { inplace?: boolean } = {}): Tensor {
  return maybeInplace(x, x.where(x.gt(0), x.mul(negativeSlope)), options.inplace ?? false);
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. @example F.elu(x, 1.0) */
export function elu(x: Tensor, alpha = 1.0, options: { inplace?: boolean } = {}): Tensor {
  // NOTE: the exponential branch sees min(x, 0): exp of a large positive x would overflow to inf, and the
  // masked-out gradient 0 * inf would be NaN.
  const negative = inplaceSource(x, options.inplace ?? false).clamp(null, 0).expm1().mul(alpha);
  return maybeInplace(x, x.where(x.gt(0), negative), options.inplace ?? false);
}

/** Gaussian error linear unit, exact ('none') or tanh approximation. @example F.gelu(x, { approximate: 'tanh' }) */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`approximate argument must be either none or tanh.`);
  return x.gelu({ approximate });
}

/** x * sigmoid(x). @example F.silu(x) */
export function silu(x: Tensor, options: { inplace?: boolean } = {}): Tensor {
  return maybeInplace(x, inplaceSource(x, options.inplace ?? false).silu(), options.inplace ?? false);
}

/** log(1 + exp(beta x)) / beta, linear above threshold. @example F.softplus(x) */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const bx = x.mul(beta);
  // The clamp keeps the unused branch finite (see elu).
  const smooth = bx.clamp(null, threshold).exp().log1p().div(beta);
  return x.where(bx.gt(threshold), smooth);
}

/** x * tanh(softplus(x)). @example F.mish(x) */
export function mish(x: Tensor, options: { inplace?: boolean } = {}): Tensor {
  const src = inplaceSource(x, options.inplace ?? false);
  return maybeInplace(x, src.mul(softplus(src).tanh()), options.inplace ?? false);
}

/** @example F.sigmoid(x) */
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
/** @example F.tanh(x) */
export const tanh = (x: Tensor): Tensor => x.tanh();

/** PyTorch's legacy implicit dim for softmax without a dim (0 for 0-, 1- and 3-D inputs, else 1). */
export function implicitSoftmaxDim(name: string, ndim: number): number {
  warnOnce(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/** softmax along dim, optionally computed in another dtype. @example F.softmax(logits, 1) */
export function softmax(x: Tensor, dim?: number | null, options: { dtype?: DType } = {}): Tensor {
  const input = options.dtype ? x.to(options.dtype) : x;
  return input.softmax(dim ?? implicitSoftmaxDim('softmax', x.ndim));
}

/** log(softmax(x)) computed stably. @example F.logSoftmax(logits, 1) */
export function logSoftmax(x: Tensor, dim?: number | null, options: { dtype?: DType } = {}): Tensor {
  const input = options.dtype ? x.to(options.dtype) : x;
  return input.logSoftmax(dim ?? implicitSoftmaxDim('log_softmax', x.ndim));
}

/** softmax(-x). @example F.softmin(x, 1) */
export function softmin(x: Tensor, dim?: number | null, options: { dtype?: DType } = {}): Tensor {
  const input = options.dtype ? x.to(options.dtype) : x;
  return input.neg().softmax(dim ?? implicitSoftmaxDim('softmin', x.ndim));
}
