/** The transform protocol shared by every image transform. */
import type { Tensor } from '../../tensor.js';

/**
 * A data transform (torchvision.transforms.*). `forward` maps one sample (torchvision's transforms are
 * modules with a forward, too); transforms that can also process
 * a whole batch stacked on a new first dim override `forwardBatch` and `supportsBatch`, which lets datasets
 * transform a gathered batch in a few native calls instead of one pipeline per sample. Random transforms
 * draw from antorcha's default generator (as torchvision draws from torch's), so `torch.manualSeed`
 * makes them reproducible; in batch form every sample still gets its own draw.
 *
 * Layout: transforms work on tensors [..., C, H, W]. Datasets return images as uint8 [H, W, C] (the layout
 * of torchvision's PIL images); the spatial transforms (crops, flips, Resize) recognise such an image (uint8,
 * 3 dims, last dim 1, 3 or 4) and work on its height and width, so torchvision's usual order
 * `RandomCrop, RandomHorizontalFlip, ToTensor, Normalize` works unchanged.
 *
 * @example
 * class Invert extends Transform {
 *   forward(x: Tensor) { return x.neg().add(1); }
 *   override forwardBatch(x: Tensor) { return this.forward(x); }
 *   override get supportsBatch() { return true; }
 * }
 */
// NOTE: the method is not called `apply`: every function has an `apply`, so TypeScript would infer a
// function transform's output type from Function.prototype.apply (unknown) through TransformLike.
export abstract class Transform<I = Tensor, O = Tensor> {
  abstract forward(x: I): O;

  /** The transform of each sample of a batch stacked on dim 0. */
  forwardBatch(x: I): O {
    void x;
    throw new TypeError(`${this.constructor.name} has no batched form`);
  }

  /** True when forwardBatch is available. */
  get supportsBatch(): boolean {
    return false;
  }
}

/** A Transform, or a plain function of one sample. */
export type TransformLike<I = Tensor, O = Tensor> = Transform<I, O> | ((x: I) => O);

/**
 * Applies a Transform or a plain function to one sample.
 *
 * @example
 * applyTransform(new ToTensor(), img); applyTransform((x: Tensor) => x.mul(2), img);
 */
export function applyTransform<I, O>(t: TransformLike<I, O>, x: I): O {
  return t instanceof Transform ? t.forward(x) : t(x);
}

/** @internal True when `t` can transform a stacked batch at once (no transform counts as one). */
export function canBatch(t: TransformLike<never, unknown> | undefined): boolean {
  return t === undefined || (t instanceof Transform && t.supportsBatch);
}

/**
 * True for a uint8 image in PIL's layout [H, W, C] (C of 1, 3 or 4), as datasets return images before
 * ToTensor; `batched` for [N, H, W, C]. torchvision's spatial transforms run on PIL images before
 * ToTensor, so the usual pipelines (RandomCrop, RandomHorizontalFlip, then ToTensor) put them there.
 */
export function isHwcImage(x: Tensor, batched = false): boolean {
  const s = x.shape;
  if (x.dtype !== 'uint8' || s.length !== (batched ? 4 : 3)) return false;
  const c = s[s.length - 1];
  return (c === 1 || c === 3 || c === 4) && s[s.length - 3] > 4;
}

/** Applies a transform written for [..., C, H, W] to x, going through a CHW view when x is an HWC image. */
export function spatial(x: Tensor, batched: boolean, fn: (chw: Tensor) => Tensor): Tensor {
  if (!isHwcImage(x, batched)) return fn(x);
  const chw = batched ? x.permute(0, 3, 1, 2) : x.permute(2, 0, 1);
  const out = fn(chw);
  return batched ? out.permute(0, 2, 3, 1) : out.permute(1, 2, 0);
}
