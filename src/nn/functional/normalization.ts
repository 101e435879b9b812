/**
 * Normalisation: batchNorm (the native op), and layerNorm / groupNorm as composites of mean and variance
 * (autograd comes from the parts).
 */
import type { Tensor } from '../../tensor.js';
import { batchNorm as batchNormOp } from '../../ops/batchnorm.js';
import { ones, zeros } from '../../ops/creation.js';
import { cSize, pySize } from '../utils.js';

export interface BatchNormOptions {
  /** Use batch statistics (and update the running ones when given). Default false, as F.batch_norm. */
  training?: boolean;
  momentum?: number;
  eps?: number;
  /** relu(batchNorm(x)) from one fused kernel (what nn.Sequential does for BatchNorm then ReLU). Default false. */
  fuseRelu?: boolean;
  /**
   * relu?(batchNorm(x) + residual): a ResNet block's shortcut added in the same pass (antorcha's extension;
   * one pass over memory instead of three when no gradient is needed). Default none.
   */
  residual?: Tensor | null;
  /**
   * maxPool2d(relu(batchNorm(x)), window) with stride = window, fused (what nn.Sequential does for BatchNorm2d,
   * ReLU, MaxPool2d(k)): needs `fuseRelu`, a 4-D input and no residual; the pooled output is H / kh x W / kw
   * (floor). Default none.
   */
  maxPool?: [number, number] | null;
}

function checkFeatures(name: string, t: Tensor | null, n: number): void {
  if (t !== null && t.numel() !== n) throw new RangeError(`${name} should contain ${n} elements not ${t.numel()}`);
}

/**
 * Batch normalisation over [N, C, ...] per channel C. In training, uses the batch statistics and updates
 * runningMean / runningVar in place (with the unbiased variance); otherwise uses the running statistics.
 *
 * @example
 * const y = F.batchNorm(x, runningMean, runningVar, weight, bias, { training: true, momentum: 0.1 });
 */
export function batchNorm(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight: Tensor | null = null, bias: Tensor | null = null, options: BatchNormOptions = {},
): Tensor {
  const training = options.training ?? false;
  if (x.ndim < 2) throw new RangeError(`batch_norm: expected an input with at least 2 dims [N, C, ...], got input of size ${cSize(x.shape)}`);
  if (training) {
    let perChannel = x.shape[0];
    for (const s of x.shape.slice(2)) perChannel *= s;
    if (perChannel === 1) throw new RangeError(`Expected more than 1 value per channel when training, got input size ${pySize(x.shape)}`);
  } else if (runningMean === null || runningVar === null) {
    throw new Error('running_mean and running_var must be defined in evaluation mode');
  }
  const c = x.shape[1];
  checkFeatures('running_mean', runningMean, c);
  checkFeatures('running_var', runningVar, c);
  checkFeatures('weight', weight, c);
  checkFeatures('bias', bias, c);
  // The native op takes both affine tensors or neither; a lone one gets its neutral partner.
  if (weight !== null && bias === null) bias = zeros([c], { dtype: weight.dtype });
  if (bias !== null && weight === null) weight = ones([c], { dtype: bias.dtype });
  return batchNormOp(x, runningMean, runningVar, weight, bias, training, options.momentum ?? 0.1, options.eps ?? 1e-5,
    options.fuseRelu ?? false, options.residual ?? null, options.maxPool ?? null);
}

/** (x - mean) / sqrt(var + eps) over `dims` (biased variance), as the composites below need. */
function standardize(x: Tensor, dims: number[], eps: number): Tensor {
  const mean = x.mean(dims, true);
  const variance = x.var(dims, { correction: 0, keepdim: true });
  return x.sub(mean).mul(variance.add(eps).rsqrt());
}

/**
 * Layer normalisation over the last dims (those of `normalizedShape`).
 *
 * @example
 * F.layerNorm(x, [x.size(-1)], ln.weight, ln.bias, { eps: 1e-5 });
 */
export function layerNorm(
  x: Tensor, normalizedShape: number | number[], weight: Tensor | null = null, bias: Tensor | null = null,
  options: { eps?: number } = {},
): Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  const k = shape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.join() !== shape.join()) {
    throw new RangeError(
      `Given normalized_shape=${cSize(shape)}, expected input with shape [*${shape.map((s) => `, ${s}`).join('')}], ` +
        `but got input of size${cSize(x.shape)}`,
    );
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t !== null && t.shape.join() !== shape.join()) {
      throw new RangeError(`Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${cSize(t.shape)} and normalized_shape = ${cSize(shape)}`);
    }
  }
  const dims = shape.map((_, i) => x.ndim - k + i);
  let y = standardize(x, dims, options.eps ?? 1e-5);
  if (weight !== null) y = y.mul(weight);
  if (bias !== null) y = y.add(bias);
  return y;
}

/**
 * Group normalisation: channels split into numGroups groups, each normalised over its channels and
 * spatial positions, then a per-channel affine.
 *
 * @example
 * F.groupNorm(x, 8, gn.weight, gn.bias);
 */
export function groupNorm(
  x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null,
  options: { eps?: number } = {},
): Tensor {
  if (x.ndim < 2) throw new RangeError(`Dimension out of range (expected to be in range of [${-Math.max(x.ndim, 1)}, ${Math.max(x.ndim, 1) - 1}], but got 1)`);
  const [n, c] = x.shape;
  if (c % numGroups !== 0) {
    throw new RangeError(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${cSize(x.shape)} and num_groups=${numGroups}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t !== null && (t.ndim !== 1 || t.numel() !== c)) {
      throw new RangeError(`Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape ${cSize(t.shape)} and input of shape ${cSize(x.shape)}`);
    }
  }
  const grouped = x.reshape([n, numGroups, -1]);
  let y = standardize(grouped, [2], options.eps ?? 1e-5).reshape(x.shape);
  const channelShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  if (weight !== null) y = y.mul(weight.reshape(channelShape));
  if (bias !== null) y = y.add(bias.reshape(channelShape));
  return y;
}

/**
 * x / max(‖x‖_p, eps) along dim.
 *
 * @example
 * F.normalize(embeddings, { dim: 1 });
 */
export function normalize(x: Tensor, options: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  const norm = x.norm(options.p ?? 2, options.dim ?? 1, true);
  return x.div(norm.clamp(options.eps ?? 1e-12, null));
}
