/**
 * Vision Transformer (Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for Image Recognition
 * at Scale", 2021) as torchvision 0.14 builds it: ViT-B/16 and ViT-B/32 with torchvision's state-dict keys
 * (`class_token`, `conv_proj.*`, `encoder.pos_embedding`, `encoder.layers.encoder_layer_N.*`, `heads.head.*`),
 * order and shapes, so its checkpoints load unchanged (including pre-0.13 ones with `mlp.linear_1` keys).
 */
import type { Tensor } from '../tensor.js';
import { zeros } from '../ops/creation.js';
import { cat } from '../ops/indexing.js';
import { noGrad } from '../autograd/grad_mode.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Sequential } from '../nn/containers.js';
import { Conv2d } from '../nn/modules/conv.js';
import { Linear } from '../nn/modules/linear.js';
import { Tanh } from '../nn/modules/activation.js';
import { normal_, zeros_ } from '../nn/init.js';
import type { LoadResult, StateDict } from '../nn/state_dict.js';
import { loadWeights, type BuilderOptions } from './weights.js';
import { Encoder, renameLegacyMlpKeys, vitNorm } from './vit_blocks.js';
import type { ClassificationPreset } from './efficientnet.js';

export interface VisionTransformerOptions {
  /** Side of the (square) input images. Default 224. */
  imageSize?: number;
  /** Dropout after the position embedding, the attention and in the MLPs. Default 0. */
  dropout?: number;
  /** Dropout on the attention weights. Default 0. */
  attentionDropout?: number;
  /** Size of the classifier's output. Default 1000. */
  numClasses?: number;
  /** Adds a Linear + Tanh "pre-logits" layer of this size before the head. Default none. */
  representationSize?: number | null;
  /** Builds each norm layer. Default LayerNorm with eps 1e-6. */
  normLayer?: (dim: number) => Module;
}

/** The builders' options: the architecture's (sizes fixed by the variant), plus pretrained weights. */
export interface VisionTransformerBuilderOptions extends VisionTransformerOptions, BuilderOptions {}

/** torchvision's trunc_normal_ with its default bounds ±2: at the stds used here (≤ 0.04) the cut never binds. */
function truncNormal_(t: Tensor, std: number): void {
  noGrad(() => normal_(t, 0, std).clamp_(-2, 2));
}

/**
 * Patchify with a strided convolution, prepend a class token, add position embeddings, run a pre-norm
 * transformer encoder and classify the class token. Initialised as torchvision does (the patch projection
 * truncated-normal with std √(1/fanIn), a zero head).
 *
 * @example
 * const m = new VisionTransformer(224, 16, 12, 12, 768, 3072, { numClasses: 10 });
 * m.eval().forward(torch.randn(1, 3, 224, 224)).shape; // [1, 10]
 */
export class VisionTransformer extends Module {
  readonly imageSize: number;
  readonly patchSize: number;
  readonly hiddenDim: number;
  readonly mlpDim: number;
  readonly attentionDropout: number;
  readonly dropout: number;
  readonly numClasses: number;
  readonly representationSize: number | null;
  readonly seqLength: number;
  conv_proj: Conv2d;
  class_token: Tensor;
  encoder: Encoder;
  heads: Sequential;

  constructor(
    imageSize: number, patchSize: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number,
    options: Omit<VisionTransformerOptions, 'imageSize'> = {},
  ) {
    super();
    for (const [name, v] of Object.entries({ imageSize, patchSize, numLayers, numHeads, hiddenDim, mlpDim })) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
    }
    if (imageSize % patchSize !== 0) throw new RangeError('Input shape indivisible by patch size!');
    const numClasses = options.numClasses ?? 1000;
    if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
    this.imageSize = imageSize;
    this.patchSize = patchSize;
    this.hiddenDim = hiddenDim;
    this.mlpDim = mlpDim;
    this.attentionDropout = options.attentionDropout ?? 0;
    this.dropout = options.dropout ?? 0;
    this.numClasses = numClasses;
    this.representationSize = options.representationSize ?? null;
    const normLayer = options.normLayer ?? vitNorm;

    this.conv_proj = new Conv2d(3, hiddenDim, patchSize, { stride: patchSize });
    this.seqLength = (imageSize / patchSize) ** 2 + 1; // the patches and the class token
    this.class_token = Parameter(zeros([1, 1, hiddenDim]));
    this.encoder = new Encoder(this.seqLength, numLayers, numHeads, hiddenDim, mlpDim, this.dropout, this.attentionDropout, normLayer);
    const preLogits = this.representationSize === null ? null : new Linear(hiddenDim, this.representationSize);
    const head = new Linear(this.representationSize ?? hiddenDim, numClasses);
    this.heads = new Sequential(preLogits === null ? { head } : { pre_logits: preLogits, act: new Tanh(), head });

    const fanIn = 3 * patchSize * patchSize;
    truncNormal_(this.conv_proj.weight, Math.sqrt(1 / fanIn));
    if (this.conv_proj.bias !== null) zeros_(this.conv_proj.bias);
    if (preLogits !== null) {
      truncNormal_(preLogits.weight, Math.sqrt(1 / hiddenDim));
      zeros_(preLogits.bias!);
    }
    zeros_(head.weight);
    zeros_(head.bias!);
  }

  /** [N, 3, H, W] → [N, patches, hiddenDim]. @example vit.processInput(torch.randn(1, 3, 224, 224)).shape; // [1, 196, 768] */
  processInput(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new RangeError(`Expected a batch of images [N, 3, H, W], got [${x.shape.join(', ')}]`);
    const [n, , h, w] = x.shape;
    if (h !== this.imageSize) throw new RangeError(`Wrong image height! Expected ${this.imageSize} but got ${h}!`);
    if (w !== this.imageSize) throw new RangeError(`Wrong image width! Expected ${this.imageSize} but got ${w}!`);
    const patches = (h / this.patchSize) * (w / this.patchSize);
    return this.conv_proj.forward(x).reshape(n, this.hiddenDim, patches).permute(0, 2, 1);
  }

  forward(x: Tensor): Tensor {
    const tokens = this.processInput(x);
    const classToken = this.class_token.expand(tokens.shape[0], -1, -1);
    const encoded = this.encoder.forward(cat([classToken, tokens], 1));
    return this.heads.forward(encoded.select(1, 0));
  }

  /** Also accepts the `mlp.linear_1` / `mlp.linear_2` keys of checkpoints older than torchvision 0.13. */
  override loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    return super.loadStateDict(renameLegacyMlpKeys(this, stateDict), options);
  }
}

/**
 * The preprocessing of torchvision's IMAGENET1K_V1 weights (ImageClassification with crop 224: resize the
 * short side to 256, bilinear). These are plain options for `new ImageClassification(...)`.
 *
 * @example
 * const preprocess = new models.ImageClassification(models.VIT_PRESETS.vit_b_16);
 */
export const VIT_PRESETS: Readonly<Record<'vit_b_16' | 'vit_b_32', ClassificationPreset & { interpolation: 'bilinear' }>> = Object.freeze({
  vit_b_16: Object.freeze({ cropSize: 224, resizeSize: 256, interpolation: 'bilinear', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  vit_b_32: Object.freeze({ cropSize: 224, resizeSize: 256, interpolation: 'bilinear', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
});

function build(patchSize: number, options: VisionTransformerBuilderOptions): VisionTransformer {
  const model = new VisionTransformer(options.imageSize ?? 224, patchSize, 12, 12, 768, 3072, options);
  return options.weights ? loadWeights(model, options.weights) : model;
}

/**
 * ViT-B/16: 16x16 patches, 12 layers, 12 heads, hidden size 768, MLP 3072.
 *
 * @example
 * const m = models.vit_b_16({ weights: 'vit_b_16.pth' });
 */
export function vit_b_16(options: VisionTransformerBuilderOptions = {}): VisionTransformer {
  return build(16, options);
}

/**
 * ViT-B/32: 32x32 patches, 12 layers, 12 heads, hidden size 768, MLP 3072.
 *
 * @example
 * const m = models.vit_b_32({ numClasses: 10 });
 */
export function vit_b_32(options: VisionTransformerBuilderOptions = {}): VisionTransformer {
  return build(32, options);
}
