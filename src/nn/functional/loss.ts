/**
 * Loss functions as composites of tensor ops (logSoftmax, gather, where, clamp, ...), following ATen's
 * formulas and its weighted-mean semantics, so values match PyTorch and gradients come from autograd.
 */
import type { Tensor } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { isFloating } from '../../dtype.js';
import { sameShape } from '../../layout.js';
import { checkReduction, cSize, pySize, reduce, warnOnce, type Reduction } from '../utils.js';
import { autocastArgs } from '../../amp/policy.js';

export interface WeightedLossOptions {
  /** Per-class weight [C]. */
  weight?: Tensor | null;
  /** Target class excluded from the loss and from the mean's denominator. Default -100. */
  ignoreIndex?: number;
  reduction?: Reduction;
}
export interface CrossEntropyOptions extends WeightedLossOptions {
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. Default 0. */
  labelSmoothing?: number;
}

const scalarTypeName: Record<DType, string> = {
  float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int64: 'Long', int32: 'Int', uint8: 'Byte', bool: 'Bool',
};

/** [1, C, 1, ...]: a per-class tensor broadcast over input's class dim. */
function classView(weight: Tensor, input: Tensor): Tensor {
  return input.ndim > 1 ? weight.reshape(input.shape.map((s, i) => (i === 1 ? s : 1))) : weight;
}

function checkWeight(weight: Tensor | null, classes: number, prefix = ''): void {
  if (weight !== null && (weight.ndim !== 1 || weight.numel() !== classes)) {
    throw new RangeError(`${prefix}weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${cSize(weight.shape)}`);
  }
}

/** PyTorch's nll_loss_nd shape checks for class-index targets. */
function checkIndexTarget(input: Tensor, target: Tensor): void {
  if (input.ndim < 1) throw new RangeError(`Expected 1 or more dimensions (got ${input.ndim})`);
  if (input.ndim !== 1 && target.ndim > 0 && input.shape[0] !== target.shape[0]) {
    throw new RangeError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`);
  }
  const expected = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!sameShape(target.shape, expected)) {
    if (input.ndim <= 2) throw new RangeError('0D or 1D target tensor expected, multi-target not supported');
    throw new RangeError(`Expected target size ${cSize(expected)}, got ${cSize(target.shape)}`);
  }
  if (target.dtype !== 'int64') throw new TypeError(`expected scalar type Long but found ${scalarTypeName[target.dtype]}`);
}

/**
 * Negative log likelihood of class-index targets given log-probabilities [N, C, ...] (or [C]).
 * 'mean' divides by the summed weights of the counted targets, as PyTorch does.
 *
 * @example
 * F.nllLoss(logits.logSoftmax(1), labels);
 */
export function nllLoss(input: Tensor, target: Tensor, options: WeightedLossOptions = {}): Tensor {
  let castWeight: Tensor | null;
  [input, castWeight] = autocastArgs('nll_loss', [input, options.weight ?? null]);
  options = { ...options, weight: castWeight };
  const reduction = checkReduction(options.reduction ?? 'mean');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const weight = options.weight ?? null;
  checkIndexTarget(input, target);
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  checkWeight(weight, classes);
  const counted = target.ne(ignoreIndex);
  const outOfRange = counted.logicalAnd(target.lt(0).logicalOr(target.ge(classes)));
  if (outOfRange.any().item()) throw new RangeError(`Target ${target.maskedSelect(outOfRange).dataSync()[0]} is out of bounds.`);
  const safe = target.where(counted, 0);
  const picked = input.gather(classDim, safe.unsqueeze(classDim)).squeeze(classDim);
  const w = (weight === null ? counted.to(input.dtype) : weight.indexSelect(0, safe.reshape([-1])).reshape(target.shape)).where(counted, 0);
  // NOTE: where, not a multiplication by 0, so ignored entries stay 0 even where the input is infinite.
  const losses = picked.neg().mul(w).where(counted, 0);
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  return losses.sum().div(w.sum());
}

/** ATen's cross_entropy_loss_prob_target: soft targets, optionally smoothed and class-weighted. */
function crossEntropyProbs(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, smoothing: number): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  checkWeight(weight, classes, 'cross_entropy: ');
  const logp = input.logSoftmax(classDim);
  const t = smoothing > 0 ? target.mul(1 - smoothing).add(smoothing / classes) : target;
  let prod = logp.mul(t);
  if (weight !== null) prod = prod.mul(classView(weight, input));
  if (reduction === 'none') return prod.sum(classDim).neg();
  if (reduction === 'sum') return prod.sum().neg();
  // The mean is over samples (and positions), not over the weights.
  return prod.sum().neg().div(input.numel() / classes);
}

/** ATen's cross_entropy_loss_label_smoothing for class-index targets. */
function crossEntropySmoothed(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number, smoothing: number): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  const logp = input.logSoftmax(classDim);
  const nll = nllLoss(logp, target, { weight, reduction, ignoreIndex });
  const ignored = target.eq(ignoreIndex);
  const smooth = (weight === null ? logp : logp.mul(classView(weight, input))).sum(classDim).neg().where(ignored.logicalNot(), 0);
  let ret: Tensor;
  if (reduction === 'none') ret = smooth;
  else if (reduction === 'sum') ret = smooth.sum();
  else if (weight !== null) ret = smooth.sum().div(weight.indexSelect(0, target.maskedSelect(ignored.logicalNot()).reshape([-1])).sum());
  else ret = smooth.sum().div(ignored.logicalNot().sum());
  return nll.mul(1 - smoothing).add(ret.mul(smoothing / classes));
}

/**
 * Cross entropy of logits [N, C, ...] (or [C]) against class indices (int64 [N, ...]) or class
 * probabilities (same shape as the input), with class weights, ignoreIndex and label smoothing.
 *
 * @example
 * const loss = F.crossEntropy(logits, labels);
 * F.crossEntropy(logits, labels, { labelSmoothing: 0.1, weight: classWeights });
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  let castWeight: Tensor | null;
  [input, target, castWeight] = autocastArgs('cross_entropy_loss', [input, target, options.weight ?? null]);
  options = { ...options, weight: castWeight };
  const reduction = checkReduction(options.reduction ?? 'mean');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const weight = options.weight ?? null;
  const smoothing = options.labelSmoothing ?? 0;
  if (smoothing > 1) throw new RangeError(`label_smoothing must be between 0.0 and 1.0. Got: ${smoothing}`);
  if (sameShape(input.shape, target.shape)) {
    if (!isFloating(target.dtype)) {
      throw new TypeError(`Expected floating point type for target with class probabilities, got ${scalarTypeName[target.dtype]}`);
    }
    if (ignoreIndex >= 0) throw new RangeError('ignore_index is not supported for floating point target');
    return crossEntropyProbs(input, target, weight, reduction, smoothing);
  }
  if (smoothing > 0) {
    checkIndexTarget(input, target);
    checkWeight(weight, input.shape[input.ndim === 1 ? 0 : 1]);
    return crossEntropySmoothed(input, target, weight, reduction, ignoreIndex, smoothing);
  }
  if (input.ndim < 1) throw new RangeError(`Expected 1 or more dimensions (got ${input.ndim})`);
  return nllLoss(input.logSoftmax(input.ndim === 1 ? 0 : 1), target, { weight, reduction, ignoreIndex });
}

/**
 * Binary cross entropy of probabilities in [0, 1]; each log is clamped to >= -100, as in PyTorch.
 *
 * @example
 * F.binaryCrossEntropy(probs, targets);
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  let castWeight: Tensor | null;
  [input, target, castWeight] = autocastArgs('binary_cross_entropy', [input, target, options.weight ?? null]);
  options = { ...options, weight: castWeight };
  const reduction = checkReduction(options.reduction ?? 'mean');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`Using a target size (${pySize(target.shape)}) that is different to the input size (${pySize(input.shape)}) is deprecated. Please ensure they have the same size.`);
  }
  if (input.ge(0).logicalAnd(input.le(1)).logicalNot().any().item()) throw new RangeError('all elements of input should be between 0 and 1');
  // (t - 1) * max(log(1 - x), -100) - t * max(log(x), -100), ATen's formula.
  let loss = target.sub(1).mul(input.neg().log1p().clamp(-100, null)).sub(target.mul(input.log().clamp(-100, null)));
  if (options.weight) loss = loss.mul(options.weight);
  return reduce(loss, reduction);
}

/**
 * Binary cross entropy on logits in the numerically stable form (no sigmoid overflow), with an optional
 * weight for positive examples.
 *
 * @example
 * F.binaryCrossEntropyWithLogits(logits, targets, { posWeight: torch.full([3], 2) });
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor, target: Tensor,
  options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  let castWeight: Tensor | null, castPosWeight: Tensor | null;
  [input, target, castWeight, castPosWeight] = autocastArgs('binary_cross_entropy_with_logits',
    [input, target, options.weight ?? null, options.posWeight ?? null]);
  options = { ...options, weight: castWeight, posWeight: castPosWeight };
  const reduction = checkReduction(options.reduction ?? 'mean');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`Target size (${pySize(target.shape)}) must be the same as input size (${pySize(input.shape)})`);
  }
  // ATen 1.13: max_val = max(-x, 0); loss = (1 - t) x + lw * (log(exp(-max_val) + exp(-x - max_val)) + max_val)
  const maxVal = input.neg().clamp(0, null);
  const logTerm = maxVal.neg().exp().add(input.neg().sub(maxVal).exp()).log();
  const oneMinusT = target.neg().add(1);
  let loss: Tensor;
  if (options.posWeight) {
    const logWeight = options.posWeight.sub(1).mul(target).add(1);
    loss = oneMinusT.mul(input).add(logWeight.mul(logTerm.add(maxVal)));
  } else {
    loss = oneMinusT.mul(input).add(maxVal).add(logTerm);
  }
  if (options.weight) loss = loss.mul(options.weight);
  return reduce(loss, reduction);
}

function warnBroadcast(input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    warnOnce(`Using a target size (${pySize(target.shape)}) that is different to the input size (${pySize(input.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`);
  }
}

/** Mean squared error. @example F.mseLoss(pred, y) */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  [input, target] = autocastArgs('mse_loss', [input, target]);
  const reduction = checkReduction(options.reduction ?? 'mean');
  warnBroadcast(input, target);
  return reduce(input.sub(target).square(), reduction);
}

/** Mean absolute error. @example F.l1Loss(pred, y, { reduction: 'sum' }) */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  [input, target] = autocastArgs('l1_loss', [input, target]);
  const reduction = checkReduction(options.reduction ?? 'mean');
  warnBroadcast(input, target);
  return reduce(input.sub(target).abs(), reduction);
}

/**
 * Squared error below beta (scaled by 1 / beta), absolute error above it; beta = 0 is the L1 loss.
 *
 * @example
 * F.smoothL1Loss(pred, y, { beta: 0.5 });
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor {
  [input, target] = autocastArgs('smooth_l1_loss', [input, target]);
  const reduction = checkReduction(options.reduction ?? 'mean');
  const beta = options.beta ?? 1.0;
  if (beta < 0) throw new RangeError('smooth_l1_loss does not support negative values for beta.');
  warnBroadcast(input, target);
  const z = input.sub(target).abs();
  if (beta === 0) return reduce(z, reduction);
  return reduce(z.mul(0.5).mul(z).div(beta).where(z.lt(beta), z.sub(0.5 * beta)), reduction);
}

/**
 * Huber loss: 0.5 d² below delta, delta (|d| - 0.5 delta) above.
 *
 * @example
 * F.huberLoss(pred, y, { delta: 1.0 });
 */
export function huberLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; delta?: number } = {}): Tensor {
  [input, target] = autocastArgs('huber_loss', [input, target]);
  const reduction = checkReduction(options.reduction ?? 'mean');
  const delta = options.delta ?? 1.0;
  if (!(delta > 0)) throw new RangeError('huber_loss does not support non-positive values for delta.');
  warnBroadcast(input, target);
  const z = input.sub(target).abs();
  return reduce(z.mul(0.5).mul(z).where(z.lt(delta), z.sub(0.5 * delta).mul(delta)), reduction);
}
