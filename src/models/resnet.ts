/**
 * ResNet (He et al., "Deep Residual Learning for Image Recognition", 2015) as torchvision builds it: the
 * v1.5 Bottleneck (stride on the 3x3 conv), ResNeXt (Xie et al., 2016) through `groups`/`widthPerGroup`
 * and Wide ResNet (Zagoruyko & Komodakis, 2016) through `widthPerGroup`. Attribute names and their order
 * are torchvision's, so state-dict keys ('layer1.0.downsample.0.weight'), their order and shapes match and
 * torchvision checkpoints load unchanged.
 */
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { Conv2d } from '../nn/modules/conv.js';
import { BatchNorm2d } from '../nn/modules/batchnorm.js';
import { convBn } from '../nn/fused_conv_bn.js';
import { ReLU } from '../nn/modules/activation.js';
import { MaxPool2d, AdaptiveAvgPool2d } from '../nn/modules/pooling.js';
import { Linear } from '../nn/modules/linear.js';
import { GroupNorm } from '../nn/modules/normalization.js';
import { constant_, kaimingNormal_ } from '../nn/init.js';
import { loadWeights, type BuilderOptions } from './weights.js';

/** 3x3 convolution without bias; padding equals dilation so the size only changes by the stride. */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });
}

function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** The arguments torchvision passes to every block. */
export interface BlockOptions {
  stride?: number;
  /** Projection of the shortcut when shape changes (keys `downsample.0` conv, `downsample.1` norm). */
  downsample?: Module | null;
  groups?: number;
  baseWidth?: number;
  dilation?: number;
}

/**
 * Two 3x3 convolutions with a shortcut (ResNet-18/34). expansion = 1.
 *
 * @example
 * const block = new BasicBlock(64, 64);
 * block.forward(torch.randn(1, 64, 56, 56)).shape; // [1, 64, 56, 56]
 */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Module | null;
  readonly stride: number;

  constructor(inplanes: number, planes: number, options: BlockOptions = {}) {
    super();
    const stride = options.stride ?? 1;
    if ((options.groups ?? 1) !== 1 || (options.baseWidth ?? 64) !== 64) {
      throw new RangeError('BasicBlock only supports groups=1 and base_width=64');
    }
    if ((options.dilation ?? 1) > 1) throw new RangeError('Dilation > 1 not supported in BasicBlock');
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU({ inplace: true });
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = options.downsample ?? null;
    this.stride = stride;
  }

  forward(x: Tensor): Tensor {
    const out = convBn(this.conv1, this.bn1, x, { relu: this.relu });
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return convBn(this.conv2, this.bn2, out, { residual: identity, relu: this.relu });
  }
}

/**
 * 1x1 reduce, 3x3 (strided: torchvision's v1.5), 1x1 expand, with a shortcut (ResNet-50/101/152).
 * expansion = 4; the inner width is planes * baseWidth / 64 * groups.
 *
 * @example
 * const block = new Bottleneck(256, 64);
 * block.forward(torch.randn(1, 256, 56, 56)).shape; // [1, 256, 56, 56]
 */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  relu: ReLU;
  downsample: Module | null;
  readonly stride: number;

  constructor(inplanes: number, planes: number, options: BlockOptions = {}) {
    super();
    const stride = options.stride ?? 1;
    const groups = options.groups ?? 1;
    const width = Math.trunc(planes * ((options.baseWidth ?? 64) / 64.0)) * groups;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, stride, groups, options.dilation ?? 1);
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new ReLU({ inplace: true });
    this.downsample = options.downsample ?? null;
    this.stride = stride;
  }

  forward(x: Tensor): Tensor {
    let out = convBn(this.conv1, this.bn1, x, { relu: this.relu });
    out = convBn(this.conv2, this.bn2, out, { relu: this.relu });
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return convBn(this.conv3, this.bn3, out, { residual: identity, relu: this.relu });
  }
}

/** BasicBlock or Bottleneck (or a subclass): a block class with its channel expansion. */
export type BlockClass = (typeof BasicBlock | typeof Bottleneck) & { expansion: number };

export interface ResNetOptions extends BuilderOptions {
  /** Size of the classifier's output. Default 1000. */
  numClasses?: number;
  /** Zero the last norm's scale in each block, so every block starts as the identity. Default false. */
  zeroInitResidual?: boolean;
  /** Groups of the 3x3 convolutions (ResNeXt's cardinality; Bottleneck only). Default 1. */
  groups?: number;
  /** Channels per group at planes = 64 (Bottleneck only; 128 for Wide ResNet-50-2). Default 64. */
  widthPerGroup?: number;
  /** For layer2..layer4: trade the stride-2 for dilation (dense features; Bottleneck only). */
  replaceStrideWithDilation?: [boolean, boolean, boolean];
}

/**
 * torchvision's ResNet: stem (7x7 conv, norm, ReLU, 3x3 max pool), four stages of blocks, global average
 * pool and a Linear classifier `fc` (replaceable: `m.fc = new nn.Linear(m.fc.inFeatures, 5)`).
 * Convolutions get kaiming_normal_(fan_out, relu), norms weight 1 and bias 0, fc keeps Linear's default,
 * drawing from the default generator in torchvision's order.
 *
 * @example
 * const m = new ResNet(Bottleneck, [3, 4, 6, 3], { numClasses: 10 });
 * m.eval().forward(torch.randn(1, 3, 224, 224)).shape; // [1, 10]
 */
export class ResNet extends Module {
  private inplanes = 64;
  private dilation = 1;
  readonly groups: number;
  readonly baseWidth: number;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  maxpool: MaxPool2d;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;

  constructor(block: BlockClass, layers: [number, number, number, number] | number[], options: ResNetOptions = {}) {
    super();
    if (layers.length !== 4 || !layers.every((n) => Number.isInteger(n) && n > 0)) {
      throw new RangeError(`layers should be 4 positive block counts, got ${JSON.stringify(layers)}`);
    }
    const dilate = options.replaceStrideWithDilation ?? [false, false, false];
    if (dilate.length !== 3) {
      throw new RangeError(`replace_stride_with_dilation should be None or a 3-element tuple, got ${JSON.stringify(dilate)}`);
    }
    const numClasses = options.numClasses ?? 1000;
    if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
    this.groups = options.groups ?? 1;
    this.baseWidth = options.widthPerGroup ?? 64;
    this.conv1 = new Conv2d(3, this.inplanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(this.inplanes);
    this.relu = new ReLU({ inplace: true });
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, 64, layers[0]);
    this.layer2 = this.makeLayer(block, 128, layers[1], 2, dilate[0]);
    this.layer3 = this.makeLayer(block, 256, layers[2], 2, dilate[1]);
    this.layer4 = this.makeLayer(block, 512, layers[3], 2, dilate[2]);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512 * block.expansion, numClasses);

    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      else if ((m instanceof BatchNorm2d || m instanceof GroupNorm) && m.weight !== null && m.bias !== null) {
        constant_(m.weight, 1);
        constant_(m.bias, 0);
      }
    }
    if (options.zeroInitResidual) {
      for (const m of this.modules()) {
        if (m instanceof Bottleneck && m.bn3.weight !== null) constant_(m.bn3.weight, 0);
        else if (m instanceof BasicBlock && m.bn2.weight !== null) constant_(m.bn2.weight, 0);
      }
    }
  }

  /** One stage: the first block changes stride and width (with a projection shortcut), the rest keep them. */
  private makeLayer(block: BlockClass, planes: number, blocks: number, stride = 1, dilate = false): Sequential {
    let downsample: Module | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    const outPlanes = planes * block.expansion;
    if (stride !== 1 || this.inplanes !== outPlanes) {
      downsample = new Sequential(conv1x1(this.inplanes, outPlanes, stride), new BatchNorm2d(outPlanes));
    }
    const common = { groups: this.groups, baseWidth: this.baseWidth };
    const list: Module[] = [new block(this.inplanes, planes, { stride, downsample, ...common, dilation: previousDilation })];
    this.inplanes = outPlanes;
    for (let i = 1; i < blocks; i++) list.push(new block(this.inplanes, planes, { ...common, dilation: this.dilation }));
    return new Sequential(...list);
  }

  forward(x: Tensor): Tensor {
    x = this.maxpool.forward(convBn(this.conv1, this.bn1, x, { relu: this.relu }));
    x = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(x))));
    return this.fc.forward(this.avgpool.forward(x).flatten(1));
  }
}

function resnet(block: BlockClass, layers: number[], options: ResNetOptions, defaults: Partial<ResNetOptions> = {}): ResNet {
  const model = new ResNet(block, layers, { ...options, ...defaults });
  return options.weights ? loadWeights(model, options.weights) : model;
}

/**
 * ResNet-18 (BasicBlock, [2, 2, 2, 2]); torchvision.models.resnet18.
 *
 * @example
 * const m = models.resnet18({ numClasses: 10 });
 */
export function resnet18(options: ResNetOptions = {}): ResNet {
  return resnet(BasicBlock, [2, 2, 2, 2], options);
}

/** ResNet-34 (BasicBlock, [3, 4, 6, 3]). @example const m = models.resnet34({ weights: 'resnet34.pth' }); */
export function resnet34(options: ResNetOptions = {}): ResNet {
  return resnet(BasicBlock, [3, 4, 6, 3], options);
}

/**
 * ResNet-50 (Bottleneck, [3, 4, 6, 3]); torchvision.models.resnet50.
 *
 * @example
 * const m = models.resnet50({ weights: 'resnet50.pth' });
 * for (const p of m.parameters()) p.requiresGrad = false;
 * m.fc = new nn.Linear(m.fc.inFeatures, 5);
 */
export function resnet50(options: ResNetOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 4, 6, 3], options);
}

/** ResNet-101 (Bottleneck, [3, 4, 23, 3]). @example const m = models.resnet101(); */
export function resnet101(options: ResNetOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 4, 23, 3], options);
}

/** ResNet-152 (Bottleneck, [3, 8, 36, 3]). @example const m = models.resnet152(); */
export function resnet152(options: ResNetOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 8, 36, 3], options);
}

type FixedWidthOptions = Omit<ResNetOptions, 'groups' | 'widthPerGroup'>;

/** ResNeXt-50 32x4d (32 groups of width 4). @example const m = models.resnext50_32x4d({ numClasses: 10 }); */
export function resnext50_32x4d(options: FixedWidthOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 4, 6, 3], options, { groups: 32, widthPerGroup: 4 });
}

/** ResNeXt-101 32x8d. @example const m = models.resnext101_32x8d(); */
export function resnext101_32x8d(options: FixedWidthOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 4, 23, 3], options, { groups: 32, widthPerGroup: 8 });
}

/** ResNeXt-101 64x4d. @example const m = models.resnext101_64x4d(); */
export function resnext101_64x4d(options: FixedWidthOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 4, 23, 3], options, { groups: 64, widthPerGroup: 4 });
}

/** Wide ResNet-50-2 (inner widths doubled). @example const m = models.wide_resnet50_2(); */
export function wide_resnet50_2(options: FixedWidthOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 4, 6, 3], options, { widthPerGroup: 64 * 2 });
}

/** Wide ResNet-101-2. @example const m = models.wide_resnet101_2(); */
export function wide_resnet101_2(options: FixedWidthOptions = {}): ResNet {
  return resnet(Bottleneck, [3, 4, 23, 3], options, { widthPerGroup: 64 * 2 });
}
