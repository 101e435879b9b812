/**
 * F.conv1d / F.conv2d: argument normalisation ('same' / 'valid', ints or tuples), PyTorch's input checks and
 * the unbatched forms; the convolution itself is the native op.
 */
import type { Tensor } from '../../tensor.js';
import { conv1d as conv1dOp, conv2d as conv2dOp } from '../../ops/conv.js';
import { toDType } from '../../ops/views.js';
import { autocastArgs } from '../../amp/policy.js';
import { hasNativeBfloat16 } from '../../amp/native_support.js';
import { ntuple, cSize } from '../utils.js';
import { pad } from './padding.js';

export type ConvPadding<N extends number> = number | (N extends 1 ? [number] : [number, number]) | 'same' | 'valid';

export interface ConvOptions<N extends number> {
  stride?: number | number[];
  padding?: ConvPadding<N> | number[];
  dilation?: number | number[];
  groups?: number;
}

function spatialTuple(value: number | number[], n: number, name: string): number[] {
  if (Array.isArray(value) && value.length !== n) {
    throw new RangeError(`expected ${name} to be a single integer value or a list of ${n} values to match the convolution dimensions, but got ${name}=${cSize(value)}`);
  }
  return ntuple(value, n, name);
}

/**
 * Validates and runs an n-d convolution (n = 1 or 2): returns the output (batched as the input was).
 * 'same' padding with an even dilated kernel pads the input on the right first, as ATen does.
 */
function convNd(n: 1 | 2, x: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions<1 | 2>): Tensor {
  const name = `conv${n}d`;
  if (x.ndim !== n + 1 && x.ndim !== n + 2) {
    throw new RangeError(`Expected ${n + 1}D (unbatched) or ${n + 2}D (batched) input to ${name}, but got input of size: ${cSize(x.shape)}`);
  }
  const batched = x.ndim === n + 2;
  let input = batched ? x : x.unsqueeze(0);
  [input, weight, bias] = autocastArgs(name === 'conv1d' ? 'conv1d' : 'conv2d', [input, weight, bias]);
  if (weight.ndim !== n + 2) {
    throw new RangeError(`Expected ${n + 2}-dimensional weight for ${name}, but got ${weight.ndim}-dimensional weight of size ${cSize(weight.shape)}`);
  }
  const stride = spatialTuple(options.stride ?? 1, n, 'stride');
  const dilation = spatialTuple(options.dilation ?? 1, n, 'dilation');
  const groups = options.groups ?? 1;
  const padOption = options.padding ?? 0;
  if (stride.some((s) => s <= 0)) throw new RangeError('non-positive stride is not supported');
  if (dilation.some((d) => d <= 0)) throw new RangeError(`dilation should be greater than zero, but got ${cSize(dilation)}`);
  if (!Number.isInteger(groups) || groups <= 0) throw new RangeError('non-positive groups is not supported');
  if (input.dtype !== weight.dtype) {
    throw new TypeError(`Input type (${input.dtype}) and weight type (${weight.dtype}) should be the same`);
  }
  if (bias !== null && bias.dtype !== weight.dtype) {
    throw new TypeError(`Input type (${input.dtype}) and bias type (${bias.dtype}) should be the same`);
  }
  const kernel = weight.shape.slice(2);
  const [outChannels, inPerGroup] = weight.shape;
  if (input.shape[1] !== inPerGroup * groups) {
    throw new RangeError(`Given groups=${groups}, weight of size ${cSize(weight.shape)}, expected input${cSize(input.shape)} to have ${inPerGroup * groups} channels, but got ${input.shape[1]} channels instead`);
  }
  if (outChannels % groups !== 0) {
    throw new RangeError(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${cSize(weight.shape)} instead`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new RangeError(`Given weight of size ${cSize(weight.shape)}, expected bias to be 1-dimensional with ${outChannels} elements, but got bias of size ${cSize(bias.shape)} instead`);
  }
  let padding: number[];
  if (padOption === 'valid') {
    padding = new Array<number>(n).fill(0);
  } else if (padOption === 'same') {
    if (stride.some((s) => s !== 1)) throw new RangeError("padding='same' is not supported for strided convolutions");
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    padding = total.map((t) => Math.floor(t / 2));
    const extra = total.map((t, i) => t - padding[i]);
    if (extra.some((e, i) => e !== padding[i])) {
      // F.pad lists the last dim first; the odd pixel goes on the right, as in ATen's conv_padding_same.
      const pads: number[] = [];
      for (let i = n - 1; i >= 0; i--) pads.push(0, extra[i] - padding[i]);
      input = pad(input, pads);
    }
  } else if (typeof padOption === 'string') {
    throw new RangeError(`Invalid padding string: '${padOption}'`);
  } else {
    padding = spatialTuple(padOption, n, 'padding');
    if (padding.some((p) => p < 0)) throw new RangeError('negative padding is not supported');
  }
  const padded = input.shape.slice(2).map((s, i) => s + 2 * padding[i]);
  const effective = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  if (padded.some((s, i) => s < effective[i])) {
    throw new RangeError(`Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${effective.join(' x ')}). Kernel size can't be greater than actual input size`);
  }
  const run = (i: Tensor, w: Tensor, b: Tensor | null) => (n === 1
    ? conv1dOp(i, w, b, { stride: stride[0], padding: padding[0], dilation: dilation[0], groups })
    : conv2dOp(i, w, b, {
      stride: stride as [number, number], padding: padding as [number, number], dilation: dilation as [number, number], groups,
    }));
  let out: Tensor;
  if (input.dtype === 'bfloat16' && !hasNativeBfloat16()) {
    // No bfloat16 convolution in this CPU's oneDNN: widen the operands (exact), convolve in float32 and
    // round the result once, as a bfloat16 kernel that accumulates in float32 does.
    const wide = (t: Tensor) => toDType(t, 'float32');
    out = toDType(run(wide(input), wide(weight), bias && wide(bias)), 'bfloat16');
  } else {
    out = run(input, weight, bias);
  }
  return batched ? out : out.squeeze(0);
}

/**
 * 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) with weight [outC, C / groups, kH, kW].
 *
 * @example
 * F.conv2d(x, weight, bias, { stride: 2, padding: 1 });
 * F.conv2d(x, weight, null, { padding: 'same' });
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions<2> = {}): Tensor {
  return convNd(2, x, weight, bias, options);
}

/**
 * 1-D convolution over [N, C, L] (or unbatched [C, L]) with weight [outC, C / groups, k].
 *
 * @example
 * F.conv1d(x, weight, bias, { padding: 1 });
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions<1> = {}): Tensor {
  return convNd(1, x, weight, bias, options);
}
