/** Batch normalisation on oneDNN, with PyTorch's running-statistics update. */
import * as k from '../backend/kernels.js';
import type { Tensor } from '../tensor.js';
import { formatShape, sameShape } from '../layout.js';
import { empty, emptyLayoutLike, needsGrad, record } from './dispatch.js';
import { contiguous, toDType } from './views.js';
import { dense, isChannelsLast, toChannelsLast } from './conv.js';
import { noGrad } from '../autograd/grad_mode.js';

/**
 * Normalises [N, C, ...] per channel: with batch statistics when training (and then updates the running
 * statistics in place: mean with the batch mean, variance with the unbiased batch variance), else with the
 * running statistics. With `relu`, returns relu(batchNorm(x)) from one fused kernel (nn.Sequential uses it
 * for a BatchNorm followed by a ReLU): one pass less over the activations each way, and the backward needs a
 * one-byte-per-element mask instead of the ReLU's float output.
 *
 * @example
 * const y = batchNorm(x, runningMean, runningVar, weight, bias, true, 0.1, 1e-5);
 */
export function batchNorm(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number, relu = false, residual: Tensor | null = null,
): Tensor {
  if (input.ndim < 2) throw new RangeError(`batch_norm: expected an input of shape [N, C, ...], got ${formatShape(input.shape)}`);
  const C = input.shape[1];
  for (const [name, t] of [['running_mean', runningMean], ['running_var', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) {
      throw new RangeError(`batch_norm: ${name} should contain ${C} elements not ${t.numel()}`);
    }
  }
  if (residual && !sameShape(residual.shape, input.shape)) {
    throw new RangeError(`batch_norm: the residual's shape ${formatShape(residual.shape)} must equal the input's ${formatShape(input.shape)}`);
  }
  if (!needsGrad([input, weight, bias, residual]) && input.dtype === 'float32' && (!residual || residual.dtype === 'float32')) {
    return batchNormNoGrad(input, runningMean, runningVar, weight, bias, training, momentum, eps, relu, residual);
  }
  if (residual) {
    const y = batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps, false).add(residual);
    return relu ? y.relu() : y;
  }
  // oneDNN keeps no ReLU mask in inference: a gradient through an eval-mode fused ReLU takes the two ops.
  if (relu && !training && needsGrad([input, weight, bias])) {
    return batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps, false).relu();
  }
  if (!training && (!runningMean || !runningVar)) throw new Error('batch_norm: running_mean and running_var must be defined in evaluation mode');
  const count = input.numel() / Math.max(C, 1);
  if (training && count <= 1) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size ${formatShape(input.shape)}`);
  }
  // oneDNN normalises float32 (16-bit inputs are widened, as PyTorch keeps batch norm in float32).
  const wide = input.dtype === 'float32' ? input : toDType(input, 'float32');
  const x = wide.ndim === 4 ? toChannelsLast(wide) : dense(wide);
  const out = emptyLayoutLike(x);
  const mean = training ? empty([C], 'float32') : contiguous(runningMean!);
  const variance = training ? empty([C], 'float32') : contiguous(runningVar!);
  const affine = weight && bias ? { weight: contiguous(weight), bias: contiguous(bias) } : null;
  if ((weight === null) !== (bias === null)) throw new Error('batch_norm: weight and bias must both be given or both be null');
  // oneDNN's mask takes at most one byte per element (its fast kernels use one bit).
  const workspace = relu && training ? empty([x.numel()], 'uint8') : null;
  k.batchNorm(out, x, mean, variance, training, affine, eps, relu, workspace);
  if (training && runningMean && runningVar) {
    noGrad(() => {
      runningMean.mul_(1 - momentum).add_(mean, { alpha: momentum });
      runningVar.mul_(1 - momentum).add_(variance, { alpha: (momentum * count) / (count - 1) });
    });
  }
  record('batchNorm', [out, mean, variance, ...(workspace ? [workspace] : [])], [x, affine?.weight ?? null, affine?.bias ?? null],
    { training, eps, relu });
  const result = input.dtype === 'float32' ? out : toDType(out, input.dtype);
  return result;
}

/**
 * batchNorm when no gradient is needed: the statistics and one per-channel affine pass (which also takes the
 * shortcut add and the ReLU) from plain native loops — no mask, no saved tensors, two passes fewer than
 * batch norm, add and ReLU one after the other.
 */
function batchNormNoGrad(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number, relu: boolean, residual: Tensor | null,
): Tensor {
  if (!training && (!runningMean || !runningVar)) throw new Error('batch_norm: running_mean and running_var must be defined in evaluation mode');
  const C = input.shape[1];
  const count = input.numel() / Math.max(C, 1);
  if (training && count <= 1) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size ${formatShape(input.shape)}`);
  }
  const x = input.ndim === 4 ? toChannelsLast(input) : contiguous(input);
  const out = emptyLayoutLike(x);
  if (out.numel() === 0) return out;
  return noGrad(() => {
    let mean: Tensor, variance: Tensor;
    if (training) {
      mean = empty([C], 'float32');
      variance = empty([C], 'float32');
      k.channelStats(mean, variance, x);
      if (runningMean && runningVar) {
        runningMean.mul_(1 - momentum).add_(mean, { alpha: momentum });
        runningVar.mul_(1 - momentum).add_(variance, { alpha: (momentum * count) / (count - 1) });
      }
    } else {
      mean = runningMean!;
      variance = runningVar!;
    }
    // y = (x - mean) / sqrt(var + eps) * weight + bias = x * scale + shift.
    let scale = variance.add(eps).rsqrt();
    if (weight) scale = scale.mul(weight);
    let shift = mean.mul(scale).neg();
    if (bias) shift = shift.add(bias);
    const z = residual ? (x.ndim === 4 ? toChannelsLast(residual) : contiguous(residual)) : null;
    k.channelAffine(out, x, contiguous(toDType(scale, 'float32')), contiguous(toDType(shift, 'float32')), relu, z);
    return out;
  });
}

/** Gradients of batchNorm for input, weight and bias from oneDNN's backward primitive. */
export function batchNormBackward(
  g: Tensor, x: Tensor, weight: Tensor | null, mean: Tensor, variance: Tensor, training: boolean, eps: number,
  reluWorkspace: Tensor | null = null,
): (Tensor | null)[] {
  const wide = g.dtype === 'float32' ? g : toDType(g, 'float32');
  // oneDNN's fast backward wants the gradient in the input's (channels-last) layout.
  const grad = isChannelsLast(x) ? toChannelsLast(wide) : dense(wide);
  const gradIn = emptyLayoutLike(grad);
  const C = x.shape[1];
  const affine = weight ? { gradWeight: empty([C], 'float32'), gradBias: empty([C], 'float32'), weight } : null;
  k.batchNormBackward(gradIn, affine, grad, x, mean, variance, training, eps, reluWorkspace);
  return [gradIn, affine?.gradWeight ?? null, affine?.gradBias ?? null];
}
