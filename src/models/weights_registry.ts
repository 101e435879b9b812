/**
 * Pretrained weights by name, as torchvision's `ResNet50_Weights.IMAGENET1K_V2`: each entry knows its URL
 * (whose file name carries the first digits of the file's SHA-256, checked after download), the
 * preprocessing its training used, the ImageNet category names and its published accuracy. Passing an entry
 * as a builder's `weights` downloads it once into the hub cache (shared with PyTorch's) and loads it.
 */
import { ImageClassification } from './presets.js';
import type { Interpolation } from '../data/transforms/resize.js';
import { IMAGENET_CATEGORIES, WEIGHTS_TABLE } from './weights_registry_data.js';

export { IMAGENET_CATEGORIES } from './weights_registry_data.js';

/** One set of pretrained weights. */
export interface WeightsEntry {
  /** 'ResNet50_Weights.IMAGENET1K_V2'. */
  readonly name: string;
  readonly url: string;
  /** Full SHA-256 of the file, when known (torchvision publishes the first digits, in the file name). */
  readonly sha256?: string;
  readonly preprocessing: {
    readonly cropSize: number;
    readonly resizeSize: number;
    readonly interpolation: string;
  };
  readonly meta: {
    readonly categories: readonly string[];
    readonly numParams: number;
    /** ImageNet-1K top-1 and top-5 accuracy (%), as published. */
    readonly acc1: number;
    readonly acc5: number;
  };
  /** The preprocessing as a transform (torchvision's ImageClassification with this entry's sizes). */
  transforms(): ImageClassification;
}

/** Whether a builder's `weights` value is a registry entry. */
export function isWeightsEntry(v: unknown): v is WeightsEntry {
  return typeof v === 'object' && v !== null && typeof (v as WeightsEntry).url === 'string'
    && typeof (v as WeightsEntry).transforms === 'function';
}

type Table = typeof WEIGHTS_TABLE;
type EnumOf<K extends keyof Table> = { readonly [E in keyof Table[K]['entries'] | 'DEFAULT']: WeightsEntry };

function makeEnum<K extends keyof Table>(enumName: K): EnumOf<K> {
  const spec = WEIGHTS_TABLE[enumName];
  const out: Record<string, WeightsEntry> = {};
  for (const [name, e] of Object.entries(spec.entries)) {
    const preprocessing = Object.freeze({ cropSize: e.cropSize, resizeSize: e.resizeSize, interpolation: e.interpolation });
    out[name] = Object.freeze({
      name: `${enumName}.${name}`,
      url: e.url,
      preprocessing,
      meta: Object.freeze({ categories: IMAGENET_CATEGORIES, numParams: e.numParams, acc1: e.acc1, acc5: e.acc5 }),
      transforms(): ImageClassification {
        return new ImageClassification({ cropSize: e.cropSize, resizeSize: e.resizeSize, interpolation: e.interpolation as Interpolation });
      },
    });
  }
  out.DEFAULT = out[spec.default];
  return Object.freeze(out) as EnumOf<K>;
}

/** @example models.alexnet({ weights: models.AlexNet_Weights.IMAGENET1K_V1 }); */
export const AlexNet_Weights = makeEnum('AlexNet_Weights');
/** @example models.resnet18({ weights: models.ResNet18_Weights.DEFAULT }); */
export const ResNet18_Weights = makeEnum('ResNet18_Weights');
/** @example models.resnet34({ weights: models.ResNet34_Weights.DEFAULT }); */
export const ResNet34_Weights = makeEnum('ResNet34_Weights');
/** @example models.resnet50({ weights: models.ResNet50_Weights.IMAGENET1K_V2 }); */
export const ResNet50_Weights = makeEnum('ResNet50_Weights');
/** @example models.resnet101({ weights: models.ResNet101_Weights.DEFAULT }); */
export const ResNet101_Weights = makeEnum('ResNet101_Weights');
/** @example models.resnet152({ weights: models.ResNet152_Weights.DEFAULT }); */
export const ResNet152_Weights = makeEnum('ResNet152_Weights');
/** @example models.efficientnet_b0({ weights: models.EfficientNet_B0_Weights.DEFAULT }); */
export const EfficientNet_B0_Weights = makeEnum('EfficientNet_B0_Weights');
/** @example models.efficientnet_b1({ weights: models.EfficientNet_B1_Weights.DEFAULT }); */
export const EfficientNet_B1_Weights = makeEnum('EfficientNet_B1_Weights');
/** @example models.efficientnet_b2({ weights: models.EfficientNet_B2_Weights.DEFAULT }); */
export const EfficientNet_B2_Weights = makeEnum('EfficientNet_B2_Weights');
/** @example models.efficientnet_b3({ weights: models.EfficientNet_B3_Weights.DEFAULT }); */
export const EfficientNet_B3_Weights = makeEnum('EfficientNet_B3_Weights');
/** @example models.efficientnet_b4({ weights: models.EfficientNet_B4_Weights.DEFAULT }); */
export const EfficientNet_B4_Weights = makeEnum('EfficientNet_B4_Weights');
/** @example models.efficientnet_b5({ weights: models.EfficientNet_B5_Weights.DEFAULT }); */
export const EfficientNet_B5_Weights = makeEnum('EfficientNet_B5_Weights');
/** @example models.efficientnet_b6({ weights: models.EfficientNet_B6_Weights.DEFAULT }); */
export const EfficientNet_B6_Weights = makeEnum('EfficientNet_B6_Weights');
/** @example models.efficientnet_b7({ weights: models.EfficientNet_B7_Weights.DEFAULT }); */
export const EfficientNet_B7_Weights = makeEnum('EfficientNet_B7_Weights');
/** @example models.vit_b_16({ weights: models.ViT_B_16_Weights.IMAGENET1K_V1 }); */
export const ViT_B_16_Weights = makeEnum('ViT_B_16_Weights');
/** @example models.vit_b_32({ weights: models.ViT_B_32_Weights.IMAGENET1K_V1 }); */
export const ViT_B_32_Weights = makeEnum('ViT_B_32_Weights');
