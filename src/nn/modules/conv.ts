/** Conv1d and Conv2d: PyTorch's _ConvNd arguments, checks, initialisation and padding modes. */
import type { Tensor } from '../../tensor.js';
import { empty } from '../../ops/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { resetLinearLike } from '../init.js';
import { conv1d, conv2d } from '../functional/conv.js';
import { pad, type PadMode } from '../functional/padding.js';
import { ntuple, pyValue } from '../utils.js';
import type { FactoryOptions } from './linear.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface ConvModuleOptions<T> extends FactoryOptions {
  stride?: T;
  /** Ints, or 'valid' (none) or 'same' (output size = input size; stride 1 only). */
  padding?: T | 'same' | 'valid';
  dilation?: T;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/** The shared part of Conv1d and Conv2d (PyTorch's _ConvNd). */
abstract class ConvNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Tensor;
  bias: Tensor | null;
  /** F.pad's argument for non-zero padding modes (last dim first). */
  private readonly reversedPadding: number[];

  constructor(
    readonly inChannels: number, readonly outChannels: number, kernelSize: number | number[], n: number,
    options: ConvModuleOptions<number | number[]>,
  ) {
    super();
    this.groups = options.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0) throw new RangeError('groups must be a positive integer');
    if (inChannels % this.groups !== 0) throw new RangeError('in_channels must be divisible by groups');
    if (outChannels % this.groups !== 0) throw new RangeError('out_channels must be divisible by groups');
    this.kernelSize = ntuple(kernelSize, n, 'kernel_size');
    this.stride = ntuple(options.stride ?? 1, n, 'stride');
    this.dilation = ntuple(options.dilation ?? 1, n, 'dilation');
    const padding = options.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') throw new RangeError(`Invalid padding string '${padding}', should be one of {'same', 'valid'}`);
      if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError("padding='same' is not supported for strided convolutions");
      this.padding = padding;
    } else {
      this.padding = ntuple(padding, n, 'padding');
    }
    this.paddingMode = options.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(this.paddingMode)) {
      throw new RangeError(`padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${this.paddingMode}'`);
    }
    this.reversedPadding = [];
    for (let i = n - 1; i >= 0; i--) {
      if (this.padding === 'valid') this.reversedPadding.push(0, 0);
      else if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        this.reversedPadding.push(Math.floor(total / 2), total - Math.floor(total / 2));
      } else this.reversedPadding.push(this.padding[i], this.padding[i]);
    }
    this.weight = Parameter(empty([outChannels, inChannels / this.groups, ...this.kernelSize], { dtype: options.dtype }));
    this.bias = options.bias ?? true ? Parameter(empty([outChannels], { dtype: options.dtype })) : null;
    this.resetParameters();
  }

  /** PyTorch's reset_parameters: kaiming_uniform_(a=√5), bias U(±1/√fanIn). */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }

  /** Runs the convolution; non-zero padding modes pad with F.pad first, as PyTorch's _conv_forward. */
  protected convForward(input: Tensor, conv: (x: Tensor, padding: number[] | 'same' | 'valid') => Tensor): Tensor {
    if (this.paddingMode !== 'zeros') return conv(pad(input, this.reversedPadding, this.paddingMode as PadMode), this.kernelSize.map(() => 0));
    return conv(input, this.padding);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyValue(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyValue(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 2-D convolution over [N, C, H, W] (or [C, H, W]).
 *
 * @example
 * const conv = new nn.Conv2d(3, 32, 3, { padding: 1 });
 * conv.forward(torch.randn(8, 3, 32, 32)).shape; // [8, 32, 32, 32]
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: ConvModuleOptions<number | [number, number]> = {}) {
    super(inChannels, outChannels, kernelSize, 2, options);
  }
  forward(input: Tensor): Tensor {
    return this.convForward(input, (x, padding) => conv2d(x, this.weight, this.bias, {
      stride: this.stride, padding, dilation: this.dilation, groups: this.groups,
    }));
  }
}

/**
 * 1-D convolution over [N, C, L] (or [C, L]).
 *
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 });
 * conv.forward(torch.randn(20, 16, 50)).shape; // [20, 33, 24]
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number], options: ConvModuleOptions<number | [number]> = {}) {
    super(inChannels, outChannels, kernelSize, 1, options);
  }
  forward(input: Tensor): Tensor {
    return this.convForward(input, (x, padding) => conv1d(x, this.weight, this.bias, {
      stride: this.stride, padding, dilation: this.dilation, groups: this.groups,
    }));
  }
}
