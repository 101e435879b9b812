/**
 * Convolution on oneDNN. Outputs are channels-last ([N, C, H, W] shape, NHWC in memory): oneDNN's fastest
 * kernels use that layout, and keeping whole CNN stacks in it avoids a reorder per layer. Elementwise ops
 * preserve the layout and `view` copies such tensors when PyTorch's contiguous tensor would have allowed it.
 */
import * as k from '../backend/kernels.js';
import type { ConvGeometry } from '../backend/kernels.js';
import type { Tensor } from '../tensor.js';
import { channelsLastStrides, denseLayoutLike, formatShape, sameShape } from '../layout.js';
import { tensor } from './creation.js';
import { empty, emptyChannelsLast, needsGrad, record } from './dispatch.js';
import { contiguous, toDType } from './views.js';

export interface Conv2dOptions {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Dense (any dim order) version of t, for kernels that describe operands by strides. */
export function dense(t: Tensor): Tensor {
  return denseLayoutLike(t.shape, t.strides) === null ? contiguous(t) : t;
}

export function isChannelsLast(t: Tensor): boolean {
  return t.ndim === 4 && sameShape(t.strides, channelsLastStrides(t.shape));
}

/**
 * t in the channels-last layout (a recorded copy when it is not already): oneDNN has fast kernels for
 * channels-last operands, and only reference ones when plain and channels-last operands are mixed.
 */
export function toChannelsLast(t: Tensor): Tensor {
  if (t.ndim !== 4 || isChannelsLast(t)) return t;
  const out = emptyChannelsLast(t.shape.slice(), t.dtype);
  k.copy(out, t);
  record('clone', [out], [t], {});
  return out;
}

function outputSize(input: number, kernel: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((input + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * 2-D convolution of a 4-D input [N, C, H, W] with weight [O, C / groups, kH, kW] (padding already resolved;
 * nn.functional.conv2d accepts PyTorch's argument forms and calls this).
 *
 * @example
 * const y = conv2d(torch.randn(8, 3, 32, 32), torch.randn(16, 3, 3, 3), null,
 *   { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 });
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions): Tensor {
  const outShape = conv2dOutputShape(input, weight, bias, opts);
  const x = toChannelsLast(input), w = contiguous(weight);
  const b = bias ? contiguous(bias.dtype === input.dtype ? bias : toDType(bias, input.dtype)) : null;
  const out = emptyChannelsLast(outShape, input.dtype);
  const geometry: ConvGeometry = { ...opts };
  k.conv2d(out, x, w, b, geometry);
  record('conv2d', [out], [x, w, b], { geometry });
  return out;
}

/**
 * Inference-only convolution with the block's tail fused in: relu?(conv2d(input) + bias + residual?). Records
 * nothing for autograd: callers use it only when no gradient is needed (eval-mode fused Conv-BN-ReLU blocks).
 * `immutableWeight` promises that the weight never changes while it lives (a folded weight): where oneDNN
 * runs the convolution, its layout of the weight is then made once and kept until the weight is freed.
 *
 * @example
 * const y = torch.noGrad(() => conv2dInference(x, w, b, geometry, { residual: shortcut, relu: true }));
 */
export function conv2dInference(
  input: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions,
  post: { residual?: Tensor | null; relu?: boolean; packedWeight?: Tensor | null; immutableWeight?: boolean },
): Tensor {
  if (needsGrad([input, weight, bias, post.residual])) throw new Error('conv2dInference: no gradient flows through a fused inference convolution');
  const outShape = conv2dOutputShape(input, weight, bias, opts);
  if (input.dtype !== 'float32' && input.dtype !== 'bfloat16') {
    throw new TypeError(`conv2dInference: supported dtypes are float32 and bfloat16, got ${input.dtype}`);
  }
  if (weight.dtype !== input.dtype) throw new TypeError(`conv2dInference: the weight's dtype ${weight.dtype} must be the input's ${input.dtype}`);
  const residual = post.residual ? toChannelsLast(post.residual.dtype === input.dtype ? post.residual : toDType(post.residual, input.dtype)) : null;
  if (residual && !sameShape(residual.shape, outShape)) {
    throw new RangeError(`conv2d: the residual's shape ${formatShape(residual.shape)} must equal the output's ${formatShape(outShape)}`);
  }
  const x = toChannelsLast(input), w = contiguous(weight);
  const b = bias ? contiguous(bias) : null;
  const out = emptyChannelsLast(outShape, input.dtype);
  const packedWeight = post.packedWeight && input.dtype === 'float32' ? post.packedWeight : null;
  // A contiguous copy is a fresh tensor each call: only the caller's own weight may be staged once.
  const immutableWeight = (post.immutableWeight ?? false) && w === weight;
  k.conv2d(out, x, w, b, { ...opts }, { residual, relu: post.relu ?? false, inference: true, packedWeight, immutableWeight });
  return out;
}

/**
 * A float32 weight [O, C, KH, KW] prepared once for conv2dInference's `packedWeight`, for weights that stay
 * unchanged over many calls (folded eval-mode Conv-BN): the native kernel then skips preparing it per call.
 * 3x3 convolutions that run on Winograd's F(2x2, 3x3) get U = G w G^T laid out as [16, O/16, C, 16]
 * (computed in float64); the others the unfolded-rows layout [O/16, KH, KW, C, 16] (panels of 16 output
 * channels). Null where neither path takes the weight. The rules mirror native/cpu/conv_winograd.cc and
 * conv_forward_gemm.cc; a weight prepared for the other path is ignored there (and prepared per call).
 *
 * @example
 * const packed = torch.noGrad(() => packConvWeight(foldedWeight, geometry, { residual: false }));
 */
export function packConvWeight(weight: Tensor, opts: Conv2dOptions, post: { residual: boolean }): Tensor | null {
  if (weight.ndim !== 4 || weight.dtype !== 'float32' || opts.groups !== 1) return null;
  const [O, C, KH, KW] = weight.shape;
  if (O % 16 !== 0 || C < 8 || opts.dilation.some((d) => d !== 1)) return null;
  // Prepared, Winograd takes up to 512 x 512 channels (unprepared only 256 x 256).
  const winograd = KH === 3 && KW === 3 && opts.stride.every((s) => s === 1) && opts.padding.every((p) => p === 1) &&
    C >= 16 && C * O <= 512 * 512 && !post.residual;
  if (!winograd) return weight.reshape([O / 16, 16, C, KH, KW]).permute([0, 3, 4, 2, 1]).contiguous();
  // U[o, c] = G g G^T for each 3x3 filter g, G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
  const g = tensor([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], { dtype: 'float64' });
  const u = g.matmul(toDType(weight, 'float64')).matmul(g.t()); // [O, C, 4, 4]
  return toDType(u.reshape([O / 16, 16, C, 16]).permute([3, 0, 2, 1]).contiguous(), 'float32');
}

/** Validates conv2d's operands (PyTorch's messages) and returns the output shape [N, O, OH, OW]. */
function conv2dOutputShape(input: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions): number[] {
  if (input.ndim !== 4) {
    throw new RangeError(`conv2d: expected a 4-D input [N, C, H, W], but got input of size: ${formatShape(input.shape)}`);
  }
  if (weight.ndim !== 4) throw new RangeError(`conv2d: expected a 4-D weight [O, C/groups, kH, kW], got ${formatShape(weight.shape)}`);
  const { groups } = opts;
  const [N, C, H, W] = input.shape;
  const [O, Cg, KH, KW] = weight.shape;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`conv2d: non-positive groups is not supported (got ${groups})`);
  if (C !== Cg * groups) {
    throw new RangeError(
      `conv2d: Given groups=${groups}, weight of size ${formatShape(weight.shape)}, expected input${formatShape(input.shape)} ` +
        `to have ${Cg * groups} channels, but got ${C} channels instead`,
    );
  }
  if (O % groups !== 0) throw new RangeError(`conv2d: out_channels (${O}) must be divisible by groups (${groups})`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) {
    throw new RangeError(`conv2d: expected bias of shape [${O}], got ${formatShape(bias.shape)}`);
  }
  const OH = outputSize(H, KH, opts.stride[0], opts.padding[0], opts.dilation[0]);
  const OW = outputSize(W, KW, opts.stride[1], opts.padding[1], opts.dilation[1]);
  if (OH < 1 || OW < 1) {
    throw new RangeError(
      `conv2d: Calculated output size: (${O}x${OH}x${OW}) is too small for input ${formatShape(input.shape)} and kernel ${KH}x${KW}`,
    );
  }
  if (input.dtype !== weight.dtype) {
    throw new TypeError(`conv2d: Input type (${input.dtype}) and weight type (${weight.dtype}) should be the same`);
  }
  if (input.dtype !== 'float32' && input.dtype !== 'bfloat16') {
    throw new TypeError(`conv2d: supported dtypes are float32 and bfloat16, got ${input.dtype}`);
  }
  return [N, O, OH, OW];
}

/** Gradients of conv2d for input, weight and bias, from oneDNN's backward primitives. */
export function conv2dBackward(g: Tensor, x: Tensor, w: Tensor, geometry: ConvGeometry, needs: boolean[]): (Tensor | null)[] {
  const grad = toChannelsLast(g);
  let gradIn: Tensor | null = null, gradW: Tensor | null = null, gradB: Tensor | null = null;
  if (needs[0]) {
    gradIn = emptyChannelsLast(x.shape.slice(), x.dtype);
    k.conv2dBackwardData(gradIn, grad, w, geometry);
  }
  if (needs[1] || needs[2]) {
    gradW = empty(w.shape.slice(), w.dtype);
    gradB = needs[2] ? empty([w.shape[0]], w.dtype) : null;
    k.conv2dBackwardWeight(gradW, gradB, x, grad, geometry);
  }
  return [gradIn, needs[1] ? gradW : null, gradB];
}

/** 1-D convolution as a 2-D one over a height of 1. */
export function conv1d(
  input: Tensor, weight: Tensor, bias: Tensor | null,
  opts: { stride: number; padding: number; dilation: number; groups: number },
): Tensor {
  if (input.ndim !== 3) throw new RangeError(`conv1d: expected a 3-D input [N, C, L], but got input of size: ${formatShape(input.shape)}`);
  if (weight.ndim !== 3) throw new RangeError(`conv1d: expected a 3-D weight [O, C/groups, k], got ${formatShape(weight.shape)}`);
  const y = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, opts.stride], padding: [0, opts.padding], dilation: [1, opts.dilation], groups: opts.groups,
  });
  return y.squeeze(2);
}
