/**
 * Batch normalisation with PyTorch's running-statistics update: on oneDNN for float32 with gradients, in plain
 * native loops otherwise (no gradient; bfloat16/float16 activations, which stay 16-bit; float64; and a ReLU
 * and max pooling fused after it, for every dtype).
 */
import * as k from '../backend/kernels.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { formatShape, sameShape } from '../layout.js';
import { empty, emptyChannelsLast, emptyLayoutLike, needsGrad, record } from './dispatch.js';
import { contiguous, toDType } from './views.js';
import { dense, isChannelsLast, toChannelsLast } from './conv.js';
import { noGrad } from '../autograd/grad_mode.js';

/** The dtype of the per-channel statistics and coefficients of `activations`' loops (PyTorch's param_t). */
const vectorDType = (activations: DType): DType => (activations === 'float64' ? 'float64' : 'float32');

/** The loops' input: channels-last for 4-D tensors (as convolutions leave them), contiguous otherwise. */
const loopLayout = (t: Tensor): Tensor => (t.ndim === 4 ? toChannelsLast(t) : contiguous(t));

/**
 * scale and shift with x * scale + shift = (x - mean) / sqrt(var + eps) * weight + bias, in `dtype`. The
 * forward's ReLU mask is recomputed from them in backward, so both calls must compute them alike.
 */
function affineOf(mean: Tensor, variance: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number, dtype: DType): [Tensor, Tensor] {
  return noGrad(() => {
    let scale = toDType(variance, dtype).add(eps).rsqrt();
    if (weight) scale = scale.mul(toDType(weight, dtype));
    let shift = toDType(mean, dtype).mul(scale).neg();
    if (bias) shift = shift.add(toDType(bias, dtype));
    return [contiguous(scale), contiguous(shift)];
  });
}

/** The batch's statistics (training, folded into the running ones in place) or the running statistics. */
function statistics(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, training: boolean, momentum: number,
): [Tensor, Tensor] {
  const C = x.shape[1];
  const count = x.numel() / Math.max(C, 1);
  if (training && count <= 1) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size ${formatShape(x.shape)}`);
  }
  if (!training) {
    if (!runningMean || !runningVar) throw new Error('batch_norm: running_mean and running_var must be defined in evaluation mode');
    const dtype = vectorDType(x.dtype);
    return [contiguous(toDType(runningMean, dtype)), contiguous(toDType(runningVar, dtype))];
  }
  const mean = empty([C], vectorDType(x.dtype));
  const variance = empty([C], vectorDType(x.dtype));
  k.channelStats(mean, variance, x);
  updateRunning(runningMean, runningVar, mean, variance, momentum, count);
  return [mean, variance];
}

/** Folds a batch's mean and biased variance into the running statistics (the variance made unbiased). */
function updateRunning(runningMean: Tensor | null, runningVar: Tensor | null, mean: Tensor, variance: Tensor, momentum: number, count: number): void {
  if (!runningMean || !runningVar) return;
  noGrad(() => {
    runningMean.mul_(1 - momentum).add_(mean, { alpha: momentum });
    runningVar.mul_(1 - momentum).add_(variance, { alpha: (momentum * count) / (count - 1) });
  });
}

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
  maxPool: [number, number] | null = null,
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
  if (maxPool) {
    if (!relu || residual) throw new Error('batch_norm: max pooling is fused only after a ReLU, without a residual');
    if ((weight === null) !== (bias === null)) throw new Error('batch_norm: weight and bias must both be given or both be null');
    return batchNormReluMaxPool(input, runningMean, runningVar, weight, bias, training, momentum, eps, maxPool);
  }
  if (!needsGrad([input, weight, bias, residual]) && (!residual || residual.dtype === input.dtype)) {
    return batchNormNoGrad(input, runningMean, runningVar, weight, bias, training, momentum, eps, relu, residual);
  }
  if (residual) {
    const y = batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps, false).add(residual);
    return relu ? y.relu() : y;
  }
  if ((weight === null) !== (bias === null)) throw new Error('batch_norm: weight and bias must both be given or both be null');
  if (input.dtype !== 'float32') return batchNormLoops(input, runningMean, runningVar, weight, bias, training, momentum, eps, relu);
  // oneDNN keeps no ReLU mask in inference: a gradient through an eval-mode fused ReLU takes the two ops.
  if (relu && !training && needsGrad([input, weight, bias])) {
    return batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps, false).relu();
  }
  if (!training && (!runningMean || !runningVar)) throw new Error('batch_norm: running_mean and running_var must be defined in evaluation mode');
  const count = input.numel() / Math.max(C, 1);
  if (training && count <= 1) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size ${formatShape(input.shape)}`);
  }
  const x = input.ndim === 4 ? toChannelsLast(input) : dense(input);
  const out = emptyLayoutLike(x);
  const mean = training ? empty([C], 'float32') : contiguous(runningMean!);
  const variance = training ? empty([C], 'float32') : contiguous(runningVar!);
  const affine = weight && bias ? { weight: contiguous(weight), bias: contiguous(bias) } : null;
  // oneDNN's mask takes at most one byte per element (its fast kernels use one bit).
  const workspace = relu && training ? empty([x.numel()], 'uint8') : null;
  k.batchNorm(out, x, mean, variance, training, affine, eps, relu, workspace);
  if (training) updateRunning(runningMean, runningVar, mean, variance, momentum, count);
  record('batchNorm', [out, mean, variance, ...(workspace ? [workspace] : [])], [x, affine?.weight ?? null, affine?.bias ?? null],
    { training, eps, relu, maxPool: null });
  return out;
}

/**
 * batchNorm with gradients for activations other than float32, in native loops: 16-bit activations stay
 * 16-bit (float32 statistics, as PyTorch's mixed-type kernel), float64 stays float64. The backward recomputes
 * a fused ReLU's mask from the saved input, so nothing but the input is kept.
 */
function batchNormLoops(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number, relu: boolean,
): Tensor {
  const x = loopLayout(input);
  const out = emptyLayoutLike(x);
  const [mean, variance] = statistics(x, runningMean, runningVar, training, momentum);
  if (out.numel() > 0) k.channelAffine(out, x, ...affineOf(mean, variance, weight, bias, eps, vectorDType(x.dtype)), relu, null);
  record('batchNorm', [out, mean, variance], [x, weight, bias], { training, eps, relu, maxPool: null });
  return out;
}

/**
 * maxPool2d(relu(batchNorm(x)), window, stride = window) in native loops for every floating dtype (with or
 * without gradients): the normalised activations are never written, only the pooled values and, when a
 * gradient is needed, one byte per output telling where in its window the maximum sat. The backward rebuilds
 * the batch norm's output gradient from those (kernels.ts channelAffinePool, channelNormBackward).
 */
function batchNormReluMaxPool(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number, window: [number, number],
): Tensor {
  const [kh, kw] = window;
  if (input.ndim !== 4 || !Number.isInteger(kh) || !Number.isInteger(kw) || kh < 1 || kw < 1 || kh * kw > 256
    || input.shape[2] < kh || input.shape[3] < kw) {
    throw new RangeError(`batch_norm: cannot fuse a ${kh}x${kw} max pooling over an input of size ${formatShape(input.shape)}`);
  }
  const x = toChannelsLast(input);
  const [N, C, H, W] = x.shape;
  const shape = [N, C, Math.floor(H / kh), Math.floor(W / kw)];
  const out = emptyChannelsLast(shape, x.dtype);
  const argmax = needsGrad([input, weight, bias]) ? emptyChannelsLast(shape, 'uint8') : null;
  const [mean, variance] = statistics(x, runningMean, runningVar, training, momentum);
  if (out.numel() > 0) k.channelAffinePool(out, argmax, x, ...affineOf(mean, variance, weight, bias, eps, vectorDType(x.dtype)), window);
  record('batchNorm', argmax ? [out, mean, variance, argmax] : [out, mean, variance], [x, weight, bias],
    { training, eps, relu: true, maxPool: window });
  return out;
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
  const x = loopLayout(input);
  const out = emptyLayoutLike(x);
  return noGrad(() => {
    const [mean, variance] = statistics(x, runningMean, runningVar, training, momentum);
    if (out.numel() === 0) return out;
    const z = residual ? loopLayout(residual) : null;
    k.channelAffine(out, x, ...affineOf(mean, variance, weight, bias, eps, vectorDType(x.dtype)), relu, z);
    return out;
  });
}

/**
 * Gradients of batchNorm for input, weight and bias: oneDNN's backward primitive for float32, the native loops
 * for other dtypes (which recompute a fused ReLU's mask from x, the forward's scale and shift).
 */
export function batchNormBackward(
  g: Tensor, x: Tensor, weight: Tensor | null, bias: Tensor | null, mean: Tensor, variance: Tensor, training: boolean,
  eps: number, relu: boolean, saved: Tensor | null, needs: boolean[], maxPool: [number, number] | null = null,
): (Tensor | null)[] {
  // `saved`: oneDNN's ReLU mask (float32 path), or the window positions when max pooling was fused.
  if (x.dtype !== 'float32' || maxPool) {
    const grad = isChannelsLast(x) || maxPool ? toChannelsLast(toDType(g, x.dtype)) : contiguous(toDType(g, x.dtype));
    const C = x.shape[1], vdt = vectorDType(x.dtype);
    const gradIn = needs[0] ? emptyLayoutLike(x) : null;
    const gradParams: [Tensor, Tensor] | null = weight && (needs[1] || needs[2]) ? [empty([C], vdt), empty([C], vdt)] : null;
    if (!gradIn && !gradParams) return [null, null, null];
    k.channelNormBackward({
      gradIn, gradParams, g: grad, x, mean, variance, training, eps,
      weight: weight ? contiguous(toDType(weight, vdt)) : null,
      reluAffine: relu ? affineOf(mean, variance, weight, bias, eps, vdt) : null,
      pooled: maxPool ? { argmax: saved!, window: maxPool } : null,
    });
    const asParam = (t: Tensor, p: Tensor) => (t.dtype === p.dtype ? t : toDType(t, p.dtype));
    return [gradIn, gradParams ? asParam(gradParams[0], weight!) : null, gradParams ? asParam(gradParams[1], bias!) : null];
  }
  // oneDNN's fast backward wants the gradient in the input's (channels-last) layout.
  const grad = isChannelsLast(x) ? toChannelsLast(g) : dense(g);
  const gradIn = emptyLayoutLike(grad);
  const C = x.shape[1];
  const affine = weight ? { gradWeight: empty([C], 'float32'), gradBias: empty([C], 'float32'), weight } : null;
  k.batchNormBackward(gradIn, affine, grad, x, mean, variance, training, eps, saved);
  return [gradIn, affine?.gradWeight ?? null, affine?.gradBias ?? null];
}
