/**
 * Squeeze-and-Excitation (Hu et al., "Squeeze-and-Excitation Networks", 2018): torchvision.ops.SqueezeExcitation,
 * with its child names (avgpool, fc1, fc2, activation, scale_activation) and so its state-dict keys.
 */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { Conv2d } from './conv.js';
import { ReLU, Sigmoid } from './activation.js';
import { AdaptiveAvgPool2d } from './pooling.js';

export interface SqueezeExcitationOptions {
  /** The activation between the two 1x1 convolutions (torchvision's delta). Default ReLU. */
  activation?: () => Module;
  /** The gate (torchvision's sigma). Default Sigmoid. */
  scaleActivation?: () => Module;
}

/**
 * Rescales each channel by a gate computed from the globally pooled input: x * σ(fc2(δ(fc1(avgpool(x))))),
 * with fc1 / fc2 1x1 convolutions.
 *
 * @example
 * const se = new nn.SqueezeExcitation(96, 4, { activation: () => new nn.SiLU() });
 * se.forward(torch.randn(2, 96, 14, 14)).shape; // [2, 96, 14, 14]
 */
export class SqueezeExcitation extends Module {
  avgpool: AdaptiveAvgPool2d;
  fc1: Conv2d;
  fc2: Conv2d;
  activation: Module;
  scale_activation: Module;

  constructor(readonly inputChannels: number, readonly squeezeChannels: number, options: SqueezeExcitationOptions = {}) {
    super();
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.fc1 = new Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = (options.activation ?? (() => new ReLU()))();
    this.scale_activation = (options.scaleActivation ?? (() => new Sigmoid()))();
  }

  /** The per-channel gate, [N, C, 1, 1]. @example se.scale(x).shape; // [N, C, 1, 1] */
  scale(input: Tensor): Tensor {
    const s = this.activation.forward(this.fc1.forward(this.avgpool.forward(input)));
    return this.scale_activation.forward(this.fc2.forward(s));
  }

  forward(input: Tensor): Tensor {
    return this.scale(input).mul(input);
  }
}
