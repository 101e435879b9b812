/**
 * Conv2dNormActivation: torchvision.ops.Conv2dNormActivation, a Sequential of convolution, optional norm and
 * optional activation (children '0', '1', '2', so keys such as `features.0.1.running_mean` match).
 */
import { Module } from '../module.js';
import { Sequential } from '../containers.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d } from './batchnorm.js';
import { ReLU } from './activation.js';

export interface Conv2dNormActivationOptions {
  /** Default 3. */
  kernelSize?: number | [number, number];
  /** Default 1. */
  stride?: number | [number, number];
  /** Default (kernelSize - 1) / 2 * dilation, which keeps the size at stride 1. */
  padding?: number | [number, number] | 'same' | 'valid' | null;
  /** Default 1; the channel count for a depthwise convolution. */
  groups?: number;
  /** Builds the norm for the output channels, or null for none. Default BatchNorm2d. */
  normLayer?: ((channels: number) => Module) | null;
  /** Builds the activation (given `{ inplace }`), or null for none. Default ReLU. */
  activationLayer?: ((options: { inplace?: boolean }) => Module) | null;
  /** Default 1. */
  dilation?: number | [number, number];
  /** Passed to the activation; null passes nothing. Default true. */
  inplace?: boolean | null;
  /** Convolution bias; default: only when there is no norm. */
  bias?: boolean | null;
}

const asPair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * Convolution → norm → activation as one Sequential.
 *
 * @example
 * const stem = new nn.Conv2dNormActivation(3, 32, { stride: 2, activationLayer: (o) => new nn.SiLU(o) });
 * stem.forward(torch.randn(1, 3, 224, 224)).shape; // [1, 32, 112, 112]
 */
export class Conv2dNormActivation extends Sequential {
  readonly outChannels: number;

  constructor(inChannels: number, outChannels: number, options: Conv2dNormActivationOptions = {}) {
    const kernelSize = options.kernelSize ?? 3;
    const dilation = options.dilation ?? 1;
    let padding = options.padding ?? null;
    if (padding === null) {
      const [k, d] = [asPair(kernelSize), asPair(dilation)];
      const p: [number, number] = [Math.floor((k[0] - 1) / 2) * d[0], Math.floor((k[1] - 1) / 2) * d[1]];
      padding = typeof kernelSize === 'number' && typeof dilation === 'number' ? p[0] : p;
    }
    const normLayer = options.normLayer === undefined ? (c: number) => new BatchNorm2d(c) : options.normLayer;
    const activationLayer = options.activationLayer === undefined ? (o: { inplace?: boolean }) => new ReLU(o) : options.activationLayer;
    const bias = options.bias ?? normLayer === null;
    const layers: Module[] = [new Conv2d(inChannels, outChannels, kernelSize, {
      stride: options.stride ?? 1, padding, dilation, groups: options.groups ?? 1, bias,
    })];
    if (normLayer !== null) layers.push(normLayer(outChannels));
    if (activationLayer !== null) {
      const inplace = options.inplace === undefined ? true : options.inplace;
      layers.push(activationLayer(inplace === null ? {} : { inplace }));
    }
    super(...layers);
    this.outChannels = outChannels;
  }
}
