/** 2-D pooling: max and average over regular or adaptive windows, with PyTorch's output-size rules. */
import * as k from '../backend/kernels.js';
import type { PoolSpec } from '../backend/kernels.js';
import type { Tensor } from '../tensor.js';
import { channelsLastStrides, formatShape, sameShape } from '../layout.js';
import { empty, emptyChannelsLast, needsGrad, record } from './dispatch.js';
import { dense, isChannelsLast } from './conv.js';

/** Output shaped [N, C, OH, OW] in the input's memory format (channels-last stays channels-last). */
function emptyLikeFormat(x: Tensor, shape: number[], dtype = x.dtype): Tensor {
  const channelsLast = x.ndim === 4 && !x.isContiguous() && sameShape(x.strides, channelsLastStrides(x.shape));
  return channelsLast ? emptyChannelsLast(shape, dtype) : empty(shape, dtype);
}

/** ATen's pooling_output_shape, including the ceil-mode rule that the last window must start inside. */
function pooledSize(size: number, kernel: number, stride: number, pad: number, dilation: number, ceil: boolean): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

function check4d(x: Tensor, op: string): void {
  if (x.ndim !== 4) throw new RangeError(`${op}: expected a 4-D input [N, C, H, W], but got input of size: ${formatShape(x.shape)}`);
  if (!x.dtype.startsWith('float') && x.dtype !== 'bfloat16') throw new TypeError(`${op}: expected a floating point input, got ${x.dtype}`);
}

function regularShape(x: Tensor, s: PoolSpec, ceil: boolean, op: string): number[] {
  for (let i = 0; i < 2; i++) {
    if (s.kernel[i] < 1 || s.stride[i] < 1 || s.dilation[i] < 1 || s.padding[i] < 0) {
      throw new RangeError(`${op}: kernel size, stride and dilation must be positive and padding non-negative`);
    }
    if (s.padding[i] > Math.floor(s.kernel[i] / 2)) {
      throw new RangeError(`${op}: pad should be at most half of effective kernel size, but got pad=${s.padding[i]}, kernel_size=${s.kernel[i]}`);
    }
  }
  const oh = pooledSize(x.shape[2], s.kernel[0], s.stride[0], s.padding[0], s.dilation[0], ceil);
  const ow = pooledSize(x.shape[3], s.kernel[1], s.stride[1], s.padding[1], s.dilation[1], ceil);
  if (oh < 1 || ow < 1) {
    throw new RangeError(`${op}: Given input size: (${x.shape.slice(1).join('x')}). Calculated output size: (${x.shape[1]}x${oh}x${ow}). Output size is too small`);
  }
  return [x.shape[0], x.shape[1], oh, ow];
}

function runPool(
  x: Tensor, spec: PoolSpec, shape: number[], withIndices = spec.max, indexDType: 'int64' | 'int32' = 'int64',
): [Tensor, Tensor | null] {
  const input = dense(x);
  const out = emptyLikeFormat(input, shape);
  const indices = withIndices ? emptyLikeFormat(input, shape, indexDType) : null;
  k.pool2d(out, indices, input, spec);
  record('pool2d', indices ? [out, indices] : [out], [input], { spec, channelsLast: isChannelsLast(input) });
  return [out, indices];
}

type MaxPoolGeometry = { kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; ceilMode: boolean };

function maxSpec(opts: MaxPoolGeometry): PoolSpec {
  return { max: true, adaptive: false, kernel: opts.kernel, stride: opts.stride, padding: opts.padding, dilation: opts.dilation, countIncludePad: true, divisor: null };
}

/**
 * Max pooling; returns [values, indices] (indices into each H*W plane, as PyTorch's return_indices).
 *
 * @example
 * const [y] = maxPool2d(x, { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false });
 */
export function maxPool2d(x: Tensor, opts: MaxPoolGeometry): [Tensor, Tensor] {
  check4d(x, 'max_pool2d');
  const spec = maxSpec(opts);
  const [out, indices] = runPool(x, spec, regularShape(x, spec, opts.ceilMode, 'max_pool2d'));
  return [out, indices!];
}

/**
 * Max pooling's values alone. Indices are only written when the backward will need them (the input needs a
 * gradient), and then as int32 (nobody else sees them): half the traffic of PyTorch's int64 indices.
 *
 * @example
 * const y = maxPool2dValues(x, { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false });
 */
export function maxPool2dValues(x: Tensor, opts: MaxPoolGeometry): Tensor {
  check4d(x, 'max_pool2d');
  const spec = maxSpec(opts);
  return runPool(x, spec, regularShape(x, spec, opts.ceilMode, 'max_pool2d'), needsGrad([x]), 'int32')[0];
}

export function avgPool2d(
  x: Tensor,
  opts: { kernel: [number, number]; stride: [number, number]; padding: [number, number]; ceilMode: boolean; countIncludePad: boolean; divisorOverride: number | null },
): Tensor {
  check4d(x, 'avg_pool2d');
  if (opts.divisorOverride !== null && (!Number.isInteger(opts.divisorOverride) || opts.divisorOverride === 0)) {
    throw new RangeError('avg_pool2d: divisor must be not zero');
  }
  const spec: PoolSpec = { max: false, adaptive: false, kernel: opts.kernel, stride: opts.stride, padding: opts.padding, dilation: [1, 1], countIncludePad: opts.countIncludePad, divisor: opts.divisorOverride };
  return runPool(x, spec, regularShape(x, spec, opts.ceilMode, 'avg_pool2d'))[0];
}

function adaptiveSpec(max: boolean): PoolSpec {
  return { max, adaptive: true, kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], countIncludePad: true, divisor: null };
}

function adaptiveShape(x: Tensor, outputSize: [number, number], op: string): number[] {
  check4d(x, op);
  if (outputSize.some((s) => !Number.isInteger(s) || s < 1)) throw new RangeError(`${op}: output size must be positive, got ${formatShape(outputSize)}`);
  if (x.shape[2] === 0 || x.shape[3] === 0) throw new RangeError(`${op}: expected non-empty spatial dims, got ${formatShape(x.shape)}`);
  return [x.shape[0], x.shape[1], outputSize[0], outputSize[1]];
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: [number, number]): Tensor {
  return runPool(x, adaptiveSpec(false), adaptiveShape(x, outputSize, 'adaptive_avg_pool2d'))[0];
}

export function adaptiveMaxPool2d(x: Tensor, outputSize: [number, number]): [Tensor, Tensor] {
  const [out, indices] = runPool(x, adaptiveSpec(true), adaptiveShape(x, outputSize, 'adaptive_max_pool2d'));
  return [out, indices!];
}

/** Gradient of a pooling op for its input. */
export function pool2dBackward(
  g: Tensor, inputShape: number[], inputDType: Tensor['dtype'], indices: Tensor | null, spec: PoolSpec, channelsLast: boolean,
): Tensor {
  const grad = dense(g);
  // The input gradient takes the input's layout, so the layer below gets the format its kernels want.
  const gradIn = channelsLast ? emptyChannelsLast(inputShape.slice(), inputDType) : empty(inputShape.slice(), inputDType);
  k.pool2dBackward(gradIn, grad, indices, spec);
  return gradIn;
}
