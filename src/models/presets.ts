/**
 * The preprocessing pretrained classifiers expect (torchvision's ImageClassification preset): resize the
 * short side, center crop, scale to [0, 1], normalise with ImageNet's statistics.
 */
import type { Tensor } from '../tensor.js';
import { tidy } from '../memory/scope.js';
import { getDefaultDType, isFloating } from '../dtype.js';
import { Transform, isHwcImage } from '../data/transforms/transform.js';
import { Resize, type Interpolation } from '../data/transforms/resize.js';
import { CenterCrop } from '../data/transforms/crop.js';
import { Normalize } from '../data/transforms/normalize.js';

/**
 * ImageNet's per-channel mean and standard deviation (RGB), as torchvision's weights use.
 *
 * @example
 * new transforms.Normalize(models.IMAGENET_MEAN, models.IMAGENET_STD);
 */
export const IMAGENET_MEAN: readonly number[] = Object.freeze([0.485, 0.456, 0.406]);
/** @example new transforms.Normalize(models.IMAGENET_MEAN, models.IMAGENET_STD); */
export const IMAGENET_STD: readonly number[] = Object.freeze([0.229, 0.224, 0.225]);

export interface ImageClassificationOptions {
  /** Side of the square center crop (224 for the AlexNet and ResNet v1 weights). */
  cropSize: number;
  /** The short side is resized to this first. Default 256. */
  resizeSize?: number;
  mean?: readonly number[];
  std?: readonly number[];
  /** Default 'bilinear'; 'bicubic' for the EfficientNet weights (no antialiasing, as torchvision does for tensors). */
  interpolation?: Interpolation;
}

/**
 * torchvision's ImageClassification preset as a transform: Resize(resizeSize) on the short side, CenterCrop
 * (cropSize), uint8 → float in [0, 1] (float images are taken as already scaled), Normalize(mean, std).
 * Takes an image [C, H, W], a dataset's uint8 [H, W, C], or a batch [N, C, H, W] / [N, H, W, C]; returns
 * float [C, H, W] (or [N, C, H, W]).
 *
 * @example
 * const preprocess = new ImageClassification({ cropSize: 224 });
 * const batch = preprocess.forward(image).unsqueeze(0);
 * const probs = model.eval().forward(batch).softmax(1);
 */
export class ImageClassification extends Transform {
  readonly cropSize: number;
  readonly resizeSize: number;
  readonly mean: number[];
  readonly std: number[];
  readonly interpolation: Interpolation;
  private readonly resize: Resize;
  private readonly crop: CenterCrop;
  private readonly normalize: Normalize;

  constructor(options: ImageClassificationOptions) {
    super();
    this.cropSize = options.cropSize;
    this.resizeSize = options.resizeSize ?? 256;
    this.mean = (options.mean ?? IMAGENET_MEAN).slice();
    this.std = (options.std ?? IMAGENET_STD).slice();
    this.interpolation = options.interpolation ?? 'bilinear';
    this.resize = new Resize(this.resizeSize, { interpolation: this.interpolation });
    this.crop = new CenterCrop(this.cropSize);
    this.normalize = new Normalize(this.mean, this.std);
  }

  forward(x: Tensor): Tensor {
    return this.run(x, false);
  }

  override forwardBatch(x: Tensor): Tensor {
    return this.run(x, true);
  }

  override get supportsBatch(): boolean {
    return true;
  }

  private run(x: Tensor, batched: boolean): Tensor {
    return tidy(() => {
      const hwc = isHwcImage(x, batched);
      let y = batched ? this.crop.forwardBatch(this.resize.forwardBatch(x)) : this.crop.forward(this.resize.forward(x));
      if (hwc) y = batched ? y.permute(0, 3, 1, 2) : y.permute(2, 0, 1);
      // torchvision's convert_image_dtype: integer images are divided by their maximum (255 for uint8).
      if (!isFloating(y.dtype)) {
        if (y.dtype !== 'uint8') throw new TypeError(`ImageClassification expects a uint8 or floating image, got ${y.dtype}`);
        y = y.to(getDefaultDType()).div(255);
      }
      return this.normalize.forward(y);
    });
  }
}
