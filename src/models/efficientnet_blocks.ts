/**
 * EfficientNet's building block: the mobile inverted bottleneck (MBConv) with squeeze-and-excitation and
 * stochastic depth, and the per-stage configuration scaled by width and depth multipliers, as torchvision
 * builds them (child names `block`, `stochastic_depth`, so keys such as `features.2.0.block.1.0.weight`).
 */
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { SiLU } from '../nn/modules/activation.js';
import { Conv2dNormActivation } from '../nn/modules/conv_norm_activation.js';
import { SqueezeExcitation } from '../nn/modules/squeeze_excitation.js';
import { StochasticDepth } from '../nn/modules/stochastic_depth.js';

/**
 * The nearest multiple of `divisor` to v, at least minValue and never more than 10% below v (the channel
 * rounding of the TensorFlow reference, torchvision's _make_divisible).
 *
 * @example
 * makeDivisible(32 * 1.1, 8); // 32
 */
export function makeDivisible(v: number, divisor: number, minValue: number | null = null): number {
  const min = minValue ?? divisor;
  let rounded = Math.max(min, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** One stage of an EfficientNet (a row of Table 1 of the paper), channels and depth already scaled. */
export interface MBConvConfig {
  expandRatio: number;
  kernel: number;
  stride: number;
  inputChannels: number;
  outChannels: number;
  numLayers: number;
}

/** channels * widthMult rounded to a multiple of 8 (torchvision's adjust_channels). @example adjustChannels(40, 1.4); // 56 */
export const adjustChannels = (channels: number, widthMult: number): number => makeDivisible(channels * widthMult, 8);

/**
 * A stage with its channels scaled by widthMult and its depth by depthMult (rounded up), as torchvision's
 * MBConvConfig.
 *
 * @example
 * mbconvConfig(6, 3, 2, 16, 24, 2, 1.1, 1.2); // { inputChannels: 16, outChannels: 24, numLayers: 3, ... }
 */
export function mbconvConfig(
  expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number, numLayers: number,
  widthMult = 1.0, depthMult = 1.0,
): MBConvConfig {
  return {
    expandRatio, kernel, stride,
    inputChannels: adjustChannels(inputChannels, widthMult),
    outChannels: adjustChannels(outChannels, widthMult),
    numLayers: Math.ceil(numLayers * depthMult),
  };
}

const silu = (o: { inplace?: boolean }) => new SiLU(o);

/**
 * Mobile inverted bottleneck: 1x1 expansion (when expandRatio ≠ 1), depthwise k x k convolution,
 * squeeze-and-excitation (squeeze to a quarter of the input channels, SiLU), 1x1 projection without
 * activation; a residual connection through stochastic depth when the shape is kept.
 *
 * @example
 * const block = new MBConv(mbconvConfig(6, 3, 1, 24, 24, 1), 0.1, (c) => new nn.BatchNorm2d(c));
 * block.forward(torch.randn(1, 24, 32, 32)).shape; // [1, 24, 32, 32]
 */
export class MBConv extends Module {
  readonly useResConnect: boolean;
  readonly outChannels: number;
  block: Sequential;
  stochastic_depth: StochasticDepth;

  constructor(cnf: MBConvConfig, stochasticDepthProb: number, normLayer: (channels: number) => Module) {
    super();
    if (!(cnf.stride >= 1 && cnf.stride <= 2)) throw new RangeError(`illegal stride value ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const layers: Module[] = [];
    const expanded = adjustChannels(cnf.inputChannels, cnf.expandRatio);
    if (expanded !== cnf.inputChannels) {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expanded, { kernelSize: 1, normLayer, activationLayer: silu }));
    }
    layers.push(new Conv2dNormActivation(expanded, expanded, {
      kernelSize: cnf.kernel, stride: cnf.stride, groups: expanded, normLayer, activationLayer: silu,
    }));
    const squeeze = Math.max(1, Math.floor(cnf.inputChannels / 4));
    layers.push(new SqueezeExcitation(expanded, squeeze, { activation: () => new SiLU({ inplace: true }) }));
    layers.push(new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    this.block = new Sequential(...layers);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, 'row');
    this.outChannels = cnf.outChannels;
  }

  forward(input: Tensor): Tensor {
    const result = this.block.forward(input);
    return this.useResConnect ? this.stochastic_depth.forward(result).add(input) : result;
  }
}
