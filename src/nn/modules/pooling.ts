/** Pooling layers over nn.functional's pooling. */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import * as F from '../functional/pooling.js';
import { pyBool, pyValue } from '../utils.js';

type Int2 = number | [number, number];
/** forward's result: values, or [values, indices] when built with returnIndices: true. */
type Pooled<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

/**
 * 2-D max pooling; stride defaults to the kernel size.
 *
 * @example
 * new nn.MaxPool2d(2).forward(torch.randn(1, 8, 32, 32)).shape; // [1, 8, 16, 16]
 * const [v, idx] = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
 */
export class MaxPool2d<R extends boolean = false> extends Module {
  readonly stride: Int2;
  readonly padding: Int2;
  readonly dilation: Int2;
  readonly returnIndices: R;
  readonly ceilMode: boolean;
  constructor(readonly kernelSize: Int2, options: F.MaxPoolOptions<Int2> & { returnIndices?: R } = {}) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.returnIndices = (options.returnIndices ?? false) as R;
    this.ceilMode = options.ceilMode ?? false;
  }
  forward(input: Tensor): Pooled<R> {
    if (this.returnIndices) return F.maxPool2dWithIndices(input, this.kernelSize, this) as Pooled<R>;
    // Values alone: the indices the backward needs stay internal (int32, and only when a gradient is needed).
    const { stride, padding, dilation, ceilMode } = this;
    return F.maxPool2d(input, this.kernelSize, { stride, padding, dilation, ceilMode }) as Pooled<R>;
  }

  /**
   * The window [kh, kw] when this layer, as built, pools `input` in windows that tile it (stride = kernel, no
   * padding or dilation) and returns values alone: nn.Sequential then fuses it into the batch norm and ReLU
   * before it. Null otherwise, or when forward is overridden.
   *
   * @example
   * new nn.MaxPool2d(2).tilingWindow(torch.randn(8, 16, 32, 32)); // [2, 2]
   */
  tilingWindow(input: Tensor): [number, number] | null {
    if (this.returnIndices || this.forward !== MaxPool2d.prototype.forward) return null;
    return F.tilingMaxPoolWindow(input, this.kernelSize, this);
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, ` +
      `dilation=${pyValue(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * 2-D average pooling.
 *
 * @example
 * new nn.AvgPool2d(2).forward(x);
 * new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false });
 */
export class AvgPool2d extends Module {
  readonly stride: Int2;
  readonly padding: Int2;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(readonly kernelSize: Int2, options: F.AvgPoolOptions<Int2> = {}) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }
  forward(input: Tensor): Tensor {
    return F.avgPool2d(input, this.kernelSize, this);
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

/**
 * Average pooling to a fixed output size (null keeps that input dim).
 *
 * @example
 * new nn.AdaptiveAvgPool2d(1).forward(torch.randn(8, 512, 7, 7)).shape; // [8, 512, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: F.AdaptiveSize) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.adaptiveAvgPool2d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

/** Max pooling to a fixed output size. @example new nn.AdaptiveMaxPool2d([4, 4]) */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  readonly returnIndices: R;
  constructor(readonly outputSize: F.AdaptiveSize, options: { returnIndices?: R } = {}) {
    super();
    this.returnIndices = (options.returnIndices ?? false) as R;
  }
  forward(input: Tensor): Pooled<R> {
    const [values, indices] = F.adaptiveMaxPool2dWithIndices(input, this.outputSize);
    if (this.returnIndices) return [values, indices] as Pooled<R>;
    indices.dispose();
    return values as Pooled<R>;
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

/** 1-D max pooling over [N, C, L]. @example new nn.MaxPool1d(2) */
export class MaxPool1d extends Module {
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;
  constructor(readonly kernelSize: number, options: F.MaxPoolOptions<number> = {}) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.maxPool1d(input, this.kernelSize, this);
  }
  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** 1-D average pooling over [N, C, L]. @example new nn.AvgPool1d(2) */
export class AvgPool1d extends Module {
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(readonly kernelSize: number, options: Omit<F.AvgPoolOptions<number>, 'divisorOverride'> = {}) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }
  forward(input: Tensor): Tensor {
    return F.avgPool1d(input, this.kernelSize, this);
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue([this.kernelSize])}, stride=${pyValue([this.stride])}, padding=${pyValue([this.padding])}`;
  }
}

/** 1-D adaptive average pooling. @example new nn.AdaptiveAvgPool1d(1) */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.adaptiveAvgPool1d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}
