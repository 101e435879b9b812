/**
 * EfficientNet B0-B7 (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
 * 2019) as torchvision 0.14 builds them: state-dict keys (`features.1.0.block.0.0.weight` ...
 * `classifier.1.bias`), their order and shapes are torchvision's, so its checkpoints load unchanged.
 */
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { Conv2d } from '../nn/modules/conv.js';
import { BatchNorm2d } from '../nn/modules/batchnorm.js';
import { GroupNorm } from '../nn/modules/normalization.js';
import { SiLU } from '../nn/modules/activation.js';
import { AdaptiveAvgPool2d } from '../nn/modules/pooling.js';
import { Dropout } from '../nn/modules/dropout.js';
import { Linear } from '../nn/modules/linear.js';
import { Conv2dNormActivation } from '../nn/modules/conv_norm_activation.js';
import { kaimingNormal_, ones_, uniform_, zeros_ } from '../nn/init.js';
import { loadWeights, type BuilderOptions } from './weights.js';
import { MBConv, mbconvConfig, type MBConvConfig } from './efficientnet_blocks.js';
import type { ImageClassificationOptions } from './presets.js';

export interface EfficientNetOptions {
  /** Size of the classifier's output. Default 1000. */
  numClasses?: number;
  /** Drop probability of the last block's residual branch; earlier blocks get it scaled by depth. Default 0.2. */
  stochasticDepthProb?: number;
  /** Builds each norm layer. Default BatchNorm2d (B5-B7: eps 1e-3, momentum 0.01, as torchvision). */
  normLayer?: (channels: number) => Module;
}

/** The builders' options: the architecture's, plus pretrained weights. */
export interface EfficientNetBuilderOptions extends EfficientNetOptions, BuilderOptions {}

/**
 * A stem (3x3 stride-2 convolution), stages of MBConv blocks, a 1x1 convolution to 4x the last stage's
 * channels, global average pooling, dropout and a linear classifier. Initialised as torchvision does:
 * convolutions kaiming_normal_(fan_out) with zero biases, norms 1 / 0, the classifier U(±1/√numClasses).
 *
 * @example
 * const m = new EfficientNet(efficientnetConfig(1.0, 1.0), 0.2, { numClasses: 10 });
 * m.eval().forward(torch.randn(1, 3, 224, 224)).shape; // [1, 10]
 */
export class EfficientNet extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;

  constructor(invertedResidualSetting: MBConvConfig[], dropout: number, options: EfficientNetOptions = {}) {
    super();
    if (!Array.isArray(invertedResidualSetting) || invertedResidualSetting.length === 0) {
      throw new RangeError('The inverted_residual_setting should not be empty');
    }
    const numClasses = options.numClasses ?? 1000;
    if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
    const sdProb = options.stochasticDepthProb ?? 0.2;
    if (!(sdProb >= 0 && sdProb <= 1)) throw new RangeError(`stochasticDepthProb must be in [0, 1], got ${sdProb}`);
    if (!(dropout >= 0 && dropout <= 1)) throw new RangeError(`dropout must be in [0, 1], got ${dropout}`);
    const normLayer = options.normLayer ?? ((c: number) => new BatchNorm2d(c));
    const silu = (o: { inplace?: boolean }) => new SiLU(o);

    const layers: Module[] = [new Conv2dNormActivation(3, invertedResidualSetting[0].inputChannels, {
      kernelSize: 3, stride: 2, normLayer, activationLayer: silu,
    })];
    const totalBlocks = invertedResidualSetting.reduce((n, c) => n + c.numLayers, 0);
    let blockId = 0;
    for (const cnf of invertedResidualSetting) {
      const stage: Module[] = [];
      for (let i = 0; i < cnf.numLayers; i++) {
        // Blocks after a stage's first keep its output channels and stride 1.
        const blockCnf = i === 0 ? cnf : { ...cnf, inputChannels: cnf.outChannels, stride: 1 };
        stage.push(new MBConv(blockCnf, (sdProb * blockId) / totalBlocks, normLayer));
        blockId++;
      }
      layers.push(new Sequential(...stage));
    }
    const lastIn = invertedResidualSetting[invertedResidualSetting.length - 1].outChannels;
    const lastOut = 4 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, normLayer, activationLayer: silu }));
    this.features = new Sequential(...layers);
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.classifier = new Sequential(new Dropout(dropout, { inplace: true }), new Linear(lastOut, numClasses));

    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        kaimingNormal_(m.weight, { mode: 'fan_out' });
        if (m.bias !== null) zeros_(m.bias);
      } else if ((m instanceof BatchNorm2d || m instanceof GroupNorm) && m.weight !== null && m.bias !== null) {
        ones_(m.weight);
        zeros_(m.bias);
      } else if (m instanceof Linear) {
        const range = 1 / Math.sqrt(m.outFeatures);
        uniform_(m.weight, -range, range);
        if (m.bias !== null) zeros_(m.bias);
      }
    }
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

/**
 * EfficientNet-B0's seven stages (Table 1 of the paper) scaled by widthMult (channels) and depthMult (blocks).
 *
 * @example
 * efficientnetConfig(1.1, 1.2).map((s) => s.numLayers); // B2: [2, 3, 3, 4, 4, 5, 2]
 */
export function efficientnetConfig(widthMult: number, depthMult: number): MBConvConfig[] {
  const stage = (e: number, k: number, s: number, i: number, o: number, n: number) => mbconvConfig(e, k, s, i, o, n, widthMult, depthMult);
  return [
    stage(1, 3, 1, 32, 16, 1),
    stage(6, 3, 2, 16, 24, 2),
    stage(6, 5, 2, 24, 40, 2),
    stage(6, 3, 2, 40, 80, 3),
    stage(6, 5, 1, 80, 112, 3),
    stage(6, 5, 2, 112, 192, 4),
    stage(6, 3, 1, 192, 320, 1),
  ];
}

/**
 * The preprocessing a set of pretrained weights expects, as data: ImageClassification's options (the
 * EfficientNet weights resize bicubically); `new ImageClassification(preset)` builds the transform.
 */
export interface ClassificationPreset extends ImageClassificationOptions {
  resizeSize: number;
  interpolation: 'bilinear' | 'bicubic';
  mean: number[];
  std: number[];
}

type Variant = 'efficientnet_b0' | 'efficientnet_b1' | 'efficientnet_b2' | 'efficientnet_b3' | 'efficientnet_b4'
  | 'efficientnet_b5' | 'efficientnet_b6' | 'efficientnet_b7';

/** Width multiplier, depth multiplier and classifier dropout of each variant (torchvision's). */
const VARIANTS: Record<Variant, [number, number, number]> = {
  efficientnet_b0: [1.0, 1.0, 0.2],
  efficientnet_b1: [1.0, 1.1, 0.2],
  efficientnet_b2: [1.1, 1.2, 0.3],
  efficientnet_b3: [1.2, 1.4, 0.3],
  efficientnet_b4: [1.4, 1.8, 0.4],
  efficientnet_b5: [1.6, 2.2, 0.4],
  efficientnet_b6: [1.8, 2.6, 0.5],
  efficientnet_b7: [2.0, 3.1, 0.5],
};

/**
 * The preprocessing of torchvision's IMAGENET1K_V1 weights for each variant (ImageClassification: resize
 * the short side to resizeSize with this interpolation, center crop cropSize, normalise with ImageNet's
 * mean and std).
 *
 * @example
 * EFFICIENTNET_PRESETS.efficientnet_b3; // { cropSize: 300, resizeSize: 320, interpolation: 'bicubic', ... }
 */
export const EFFICIENTNET_PRESETS: Readonly<Record<Variant, ClassificationPreset>> = Object.freeze({
  efficientnet_b0: preset(224, 256),
  efficientnet_b1: preset(240, 256),
  efficientnet_b2: preset(288, 288),
  efficientnet_b3: preset(300, 320),
  efficientnet_b4: preset(380, 384),
  efficientnet_b5: preset(456, 456),
  efficientnet_b6: preset(528, 528),
  efficientnet_b7: preset(600, 600),
});

function preset(cropSize: number, resizeSize: number): ClassificationPreset {
  return Object.freeze({
    cropSize, resizeSize, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
  });
}

function build(variant: Variant, options: EfficientNetBuilderOptions): EfficientNet {
  const [width, depth, dropout] = VARIANTS[variant];
  // B5-B7 were trained (ported) with TensorFlow's batch-norm settings.
  const wide = variant === 'efficientnet_b5' || variant === 'efficientnet_b6' || variant === 'efficientnet_b7';
  const normLayer = options.normLayer ?? (wide ? (c: number) => new BatchNorm2d(c, { eps: 1e-3, momentum: 0.01 }) : undefined);
  const model = new EfficientNet(efficientnetConfig(width, depth), dropout, { ...options, normLayer });
  return options.weights ? loadWeights(model, options.weights) : model;
}

/** EfficientNet-B0 (width 1.0, depth 1.0, dropout 0.2). @example const m = models.efficientnet_b0({ numClasses: 10 }); */
export function efficientnet_b0(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b0', options);
}
/** EfficientNet-B1 (width 1.0, depth 1.1, dropout 0.2). @example const m = models.efficientnet_b1(); */
export function efficientnet_b1(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b1', options);
}
/** EfficientNet-B2 (width 1.1, depth 1.2, dropout 0.3). @example const m = models.efficientnet_b2(); */
export function efficientnet_b2(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b2', options);
}
/** EfficientNet-B3 (width 1.2, depth 1.4, dropout 0.3). @example const m = models.efficientnet_b3(); */
export function efficientnet_b3(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b3', options);
}
/** EfficientNet-B4 (width 1.4, depth 1.8, dropout 0.4). @example const m = models.efficientnet_b4(); */
export function efficientnet_b4(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b4', options);
}
/** EfficientNet-B5 (width 1.6, depth 2.2, dropout 0.4; BatchNorm eps 1e-3). @example const m = models.efficientnet_b5(); */
export function efficientnet_b5(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b5', options);
}
/** EfficientNet-B6 (width 1.8, depth 2.6, dropout 0.5; BatchNorm eps 1e-3). @example const m = models.efficientnet_b6(); */
export function efficientnet_b6(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b6', options);
}
/** EfficientNet-B7 (width 2.0, depth 3.1, dropout 0.5; BatchNorm eps 1e-3). @example const m = models.efficientnet_b7({ weights: 'efficientnet_b7.pth' }); */
export function efficientnet_b7(options: EfficientNetBuilderOptions = {}): EfficientNet {
  return build('efficientnet_b7', options);
}
