/**
 * Pooling (max, average, adaptive): argument normalisation and PyTorch's checks, unbatched inputs, and the
 * 1-D forms as 2-D pooling over [N, C, 1, L]; the pooling itself is the native op.
 */
import type { Tensor } from '../../tensor.js';
import {
  adaptiveAvgPool2d as adaptiveAvgOp, adaptiveMaxPool2d as adaptiveMaxOp, avgPool2d as avgPoolOp, maxPool2d as maxPoolOp,
  maxPool2dValues as maxPoolValuesOp,
} from '../../ops/pool.js';
import { cSize, pair, single } from '../utils.js';

export interface MaxPoolOptions<T> {
  /** Default: kernelSize. */
  stride?: T | null;
  padding?: T;
  dilation?: T;
  ceilMode?: boolean;
}
export interface AvgPoolOptions<T> {
  stride?: T | null;
  padding?: T;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}
type Int2 = number | [number, number];

/** ATen's pooling_output_shape. */
function outputSize(input: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  // The last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}

interface Pool2dArgs {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
}

/** PyTorch's pool2d_shape_check; returns the batched input. */
function checkPool2d(x: Tensor, a: Pool2dArgs): Tensor {
  if ((x.ndim !== 3 && x.ndim !== 4) || x.shape.slice(x.ndim - 3).some((s) => s === 0)) {
    throw new RangeError('non-empty 3D or 4D (batch mode) tensor expected for input');
  }
  if (a.kernel.some((k) => k <= 0)) throw new RangeError(`kernel size should be greater than zero, but got kH: ${a.kernel[0]} kW: ${a.kernel[1]}`);
  if (a.stride.some((s) => s <= 0)) throw new RangeError('stride should not be zero');
  if (a.dilation.some((d) => d <= 0)) throw new RangeError(`dilation should be greater than zero, but got dilationH: ${a.dilation[0]} dilationW: ${a.dilation[1]}`);
  if (a.padding.some((p, i) => p < 0 || p > Math.floor(a.kernel[i] / 2))) {
    const i = a.padding.findIndex((p, j) => p < 0 || p > Math.floor(a.kernel[j] / 2));
    throw new RangeError(`pad should be at most half of kernel size, but got pad=${a.padding[i]} and kernel_size=${a.kernel[i]}`);
  }
  const input = x.ndim === 3 ? x.unsqueeze(0) : x;
  const [c, h, w] = input.shape.slice(1);
  const oh = outputSize(h, a.kernel[0], a.padding[0], a.stride[0], a.dilation[0], a.ceilMode);
  const ow = outputSize(w, a.kernel[1], a.padding[1], a.stride[1], a.dilation[1], a.ceilMode);
  if (oh < 1 || ow < 1) {
    throw new RangeError(`Given input size: (${c}x${h}x${w}). Calculated output size: (${c}x${oh}x${ow}). Output size is too small`);
  }
  return input;
}

function maxPoolArgs(kernelSize: Int2, o: MaxPoolOptions<Int2>): Pool2dArgs {
  const kernel = pair(kernelSize, 'kernel_size');
  return {
    kernel,
    stride: o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && (o.stride as number[]).length === 0) ? kernel : pair(o.stride, 'stride'),
    padding: pair(o.padding ?? 0, 'padding'),
    dilation: pair(o.dilation ?? 1, 'dilation'),
    ceilMode: o.ceilMode ?? false,
  };
}

/**
 * The window [kh, kw] when max pooling `x` (4-D) with these options tiles it — stride equal to the kernel, no
 * padding or dilation, and the floor of H / kh x W / kw as output size (ceil mode included) — so that the
 * pooling can be fused into the batch norm and ReLU before it (nn.Sequential); else null.
 *
 * @example
 * F.tilingMaxPoolWindow(torch.randn(8, 16, 32, 32), 2, {}); // [2, 2]
 */
export function tilingMaxPoolWindow(x: Tensor, kernelSize: Int2, options: MaxPoolOptions<Int2>): [number, number] | null {
  if (x.ndim !== 4) return null;
  let a: Pool2dArgs;
  try {
    a = maxPoolArgs(kernelSize, options);
  } catch {
    return null;  // the unfused pooling reports the bad argument
  }
  const [kh, kw] = a.kernel;
  for (let i = 0; i < 2; i++) {
    if (!Number.isInteger(a.kernel[i]) || a.kernel[i] < 1 || a.stride[i] !== a.kernel[i] || a.padding[i] !== 0 || a.dilation[i] !== 1) return null;
  }
  const [h, w] = x.shape.slice(2);
  if (h < kh || w < kw || kh * kw > 256) return null;
  if (outputSize(h, kh, 0, kh, 1, a.ceilMode) !== Math.floor(h / kh) || outputSize(w, kw, 0, kw, 1, a.ceilMode) !== Math.floor(w / kw)) return null;
  return [kh, kw];
}

/**
 * 2-D max pooling with its indices (int64, flat positions in each H*W plane).
 *
 * @example
 * const [values, indices] = F.maxPool2dWithIndices(x, 2);
 */
export function maxPool2dWithIndices(x: Tensor, kernelSize: Int2, options: MaxPoolOptions<Int2> = {}): [Tensor, Tensor] {
  const args = maxPoolArgs(kernelSize, options);
  const input = checkPool2d(x, args);
  const [values, indices] = maxPoolOp(input, args);
  return x.ndim === 3 ? [values.squeeze(0), indices.squeeze(0)] : [values, indices];
}

/**
 * 2-D max pooling over [N, C, H, W] (or [C, H, W]).
 *
 * @example
 * F.maxPool2d(x, 2);                          // values
 * F.maxPool2d(x, 3, { stride: 2, padding: 1 });
 * F.maxPool2d(x, 2, { returnIndices: true }); // [values, indices]
 */
export function maxPool2d(x: Tensor, kernelSize: Int2, options?: MaxPoolOptions<Int2> & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Int2, options: MaxPoolOptions<Int2> & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: Int2, options: MaxPoolOptions<Int2> & { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  if (options.returnIndices) return maxPool2dWithIndices(x, kernelSize, options);
  const args = maxPoolArgs(kernelSize, options);
  const values = maxPoolValuesOp(checkPool2d(x, args), args);
  return x.ndim === 3 ? values.squeeze(0) : values;
}

/**
 * 2-D average pooling.
 *
 * @example
 * F.avgPool2d(x, 2);
 * F.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false });
 */
export function avgPool2d(x: Tensor, kernelSize: Int2, options: AvgPoolOptions<Int2> = {}): Tensor {
  const base = maxPoolArgs(kernelSize, { stride: options.stride, padding: options.padding, ceilMode: options.ceilMode });
  const input = checkPool2d(x, base);
  const divisorOverride = options.divisorOverride ?? null;
  if (divisorOverride !== null && divisorOverride === 0) throw new RangeError('divisor must be not zero');
  const out = avgPoolOp(input, {
    kernel: base.kernel, stride: base.stride, padding: base.padding, ceilMode: base.ceilMode,
    countIncludePad: options.countIncludePad ?? true, divisorOverride,
  });
  return x.ndim === 3 ? out.squeeze(0) : out;
}

export type AdaptiveSize = number | [number | null, number | null];

function adaptiveArgs(x: Tensor, outputSize: AdaptiveSize, name: string): { input: Tensor; size: [number, number] } {
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${name}(): Expected 3D or 4D tensor, but got ${cSize(x.shape)}`);
  for (let d = x.ndim - 2; d < x.ndim; d++) {
    if (x.shape[d] === 0) {
      throw new RangeError(`${name}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${cSize(x.shape)} with dimension ${d} being empty`);
    }
  }
  const [h, w] = x.shape.slice(-2);
  const given = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (given.length !== 2) throw new RangeError(`${name}: output_size must be 2`);
  const size: [number, number] = [given[0] ?? h, given[1] ?? w];
  if (size.some((s) => !Number.isInteger(s) || s < 0)) throw new RangeError(`${name}: elements of output_size must be greater than or equal to 0 but received {${size.join(', ')}}`);
  return { input: x.ndim === 3 ? x.unsqueeze(0) : x, size };
}

/**
 * Adaptive average pooling to a fixed output size (null keeps that input dim).
 *
 * @example
 * F.adaptiveAvgPool2d(x, 1).flatten(1); // global average pooling
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const { input, size } = adaptiveArgs(x, outputSize, 'adaptive_avg_pool2d');
  const out = adaptiveAvgOp(input, size);
  return x.ndim === 3 ? out.squeeze(0) : out;
}

/** Adaptive max pooling with indices. @example const [v, i] = F.adaptiveMaxPool2dWithIndices(x, [2, 2]); */
export function adaptiveMaxPool2dWithIndices(x: Tensor, outputSize: AdaptiveSize): [Tensor, Tensor] {
  const { input, size } = adaptiveArgs(x, outputSize, 'adaptive_max_pool2d');
  const [values, indices] = adaptiveMaxOp(input, size);
  return x.ndim === 3 ? [values.squeeze(0), indices.squeeze(0)] : [values, indices];
}

/**
 * Adaptive max pooling (values, or [values, indices] with returnIndices).
 *
 * @example
 * F.adaptiveMaxPool2d(x, [4, 4]);
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, options?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, options: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, options: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  const [values, indices] = adaptiveMaxPool2dWithIndices(x, outputSize);
  if (options.returnIndices) return [values, indices];
  indices.dispose();
  return values;
}

/** Runs a 2-D pooling on [N, C, 1, L] for a 1-D input [N, C, L] (or [C, L]). */
function as1d<T extends Tensor | [Tensor, Tensor]>(x: Tensor, name: string, fn: (x4: Tensor) => T): T {
  if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`${name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got: ${cSize(x.shape)}`);
  const out = fn(x.unsqueeze(-2));
  return (Array.isArray(out) ? out.map((t) => t.squeeze(-2)) : (out as Tensor).squeeze(-2)) as T;
}

/** 1-D max pooling over [N, C, L]. @example F.maxPool1d(x, 2) */
export function maxPool1d(x: Tensor, kernelSize: number, options: MaxPoolOptions<number> = {}): Tensor {
  const k = single(kernelSize, 'kernel_size');
  const s = options.stride === undefined || options.stride === null ? k : single(options.stride, 'stride');
  return as1d(x, 'max_pool1d', (x4) => maxPool2d(x4, [1, k], {
    stride: [1, s], padding: [0, single(options.padding ?? 0, 'padding')], dilation: [1, single(options.dilation ?? 1, 'dilation')],
    ceilMode: options.ceilMode,
  }));
}

/** 1-D average pooling over [N, C, L]. @example F.avgPool1d(x, 2) */
export function avgPool1d(x: Tensor, kernelSize: number, options: Omit<AvgPoolOptions<number>, 'divisorOverride'> = {}): Tensor {
  const k = single(kernelSize, 'kernel_size');
  const s = options.stride === undefined || options.stride === null ? k : single(options.stride, 'stride');
  return as1d(x, 'avg_pool1d', (x4) => avgPool2d(x4, [1, k], {
    stride: [1, s], padding: [0, single(options.padding ?? 0, 'padding')], ceilMode: options.ceilMode,
    countIncludePad: options.countIncludePad,
  }));
}

/** 1-D adaptive average pooling. @example F.adaptiveAvgPool1d(x, 1) */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  return as1d(x, 'adaptive_avg_pool1d', (x4) => adaptiveAvgPool2d(x4, [1, outputSize]));
}
