/** Cropping with padding: CenterCrop and RandomCrop share one crop-or-fill routine. */
import type { Tensor } from '../../tensor.js';
import { full, randint } from '../../ops/creation.js';
import { tidy } from '../../memory/scope.js';
import { formatShape } from '../../layout.js';
import { Transform, spatial } from './transform.js';

/** [height, width] from an int or a pair. */
export function pairSize(size: number | [number, number] | number[], what: string): [number, number] {
  const s = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0], size[0]] : size;
  if (s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) {
    throw new RangeError(`${what}: size must be a positive int or [height, width], got ${JSON.stringify(size)}`);
  }
  return [s[0], s[1]];
}

function checkImage(x: Tensor, who: string): void {
  if (x.ndim < 2) throw new RangeError(`${who} expects an image [..., H, W], got ${formatShape(x.shape)}`);
}

/**
 * The window [top, top + h) × [left, left + w) of the last two dims of x; parts outside the image are
 * `fill`. A window inside the image is a view (no copy), as torchvision's crop is.
 */
export function cropOrFill(x: Tensor, top: number, left: number, h: number, w: number, fill = 0): Tensor {
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  return tidy(() => {
    if (top >= 0 && left >= 0 && top + h <= H && left + w <= W) return x.narrow(-2, top, h).narrow(-1, left, w);
    const out = full([...x.shape.slice(0, -2), h, w], fill, { dtype: x.dtype });
    const y0 = Math.max(0, top), y1 = Math.min(H, top + h);
    const x0 = Math.max(0, left), x1 = Math.min(W, left + w);
    if (y1 > y0 && x1 > x0) {
      out.narrow(-2, y0 - top, y1 - y0).narrow(-1, x0 - left, x1 - x0)
        .copy_(x.narrow(-2, y0, y1 - y0).narrow(-1, x0, x1 - x0));
    }
    return out;
  });
}

/** Python's round(): halves go to the even neighbour (torchvision's center_crop uses it). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Crops the center (torchvision.transforms.CenterCrop); an image smaller than the crop is padded with zeros.
 *
 * @example
 * new CenterCrop(224).forward(img); // [C, 224, 224]
 */
export class CenterCrop extends Transform {
  readonly size: [number, number];
  constructor(size: number | [number, number]) {
    super();
    this.size = pairSize(size, 'CenterCrop');
  }

  forward(x: Tensor): Tensor {
    return tidy(() => spatial(x, false, (chw) => this.crop(chw)));
  }

  override forwardBatch(x: Tensor): Tensor {
    return tidy(() => spatial(x, true, (chw) => this.crop(chw)));
  }

  private crop(x: Tensor): Tensor {
    checkImage(x, 'CenterCrop');
    const [h, w] = this.size;
    const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
    // torchvision pads first (the smaller half on top/left), then crops the center of the padded image.
    const top = h > H ? -Math.floor((h - H) / 2) : roundHalfEven((H - h) / 2);
    const left = w > W ? -Math.floor((w - W) / 2) : roundHalfEven((W - w) / 2);
    return cropOrFill(x, top, left, h, w);
  }

  override get supportsBatch(): boolean {
    return true;
  }
}

export interface RandomCropOptions {
  /** Border added before cropping: an int for all sides, [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | number[];
  /** Pad images smaller than the crop size (default false: they are an error). */
  padIfNeeded?: boolean;
  /** Value of the padded pixels (default 0). Only constant padding is implemented. */
  fill?: number;
}

function paddingLTRB(p: number | number[] | undefined): [number, number, number, number] {
  if (p === undefined) return [0, 0, 0, 0];
  const a = typeof p === 'number' ? [p] : p;
  const v = a.length === 1 ? [a[0], a[0], a[0], a[0]] : a.length === 2 ? [a[0], a[1], a[0], a[1]] : a.length === 4 ? a : null;
  if (v === null || !v.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new RangeError(`RandomCrop: padding must be a non-negative int or a list of 1, 2 or 4 ints, got ${JSON.stringify(p)}`);
  }
  return [v[0], v[1], v[2], v[3]];
}

/** Draws n integers in [0, high) from the default generator, as torchvision's torch.randint(0, high, (1,)). */
function draws(high: number, n: number): number[] {
  const t = randint(0, high, [n]);
  try {
    return Array.from(t.dataSync() as BigInt64Array, Number);
  } finally {
    t.dispose();
  }
}

/**
 * Crops a random window after optional padding (torchvision.transforms.RandomCrop).
 *
 * @example
 * new RandomCrop(32, { padding: 4 }).forward(img); // CIFAR-style augmentation
 */
export class RandomCrop extends Transform {
  readonly size: [number, number];
  private readonly pad: [number, number, number, number];
  private readonly padIfNeeded: boolean;
  private readonly fill: number;

  constructor(size: number | [number, number], options: RandomCropOptions = {}) {
    super();
    this.size = pairSize(size, 'RandomCrop');
    this.pad = paddingLTRB(options.padding);
    this.padIfNeeded = options.padIfNeeded ?? false;
    this.fill = options.fill ?? 0;
  }

  /** The padded image's extent as [top, left, height, width] in input coordinates. */
  private paddedBox(x: Tensor): [number, number, number, number] {
    checkImage(x, 'RandomCrop');
    const [l, t, r, b] = this.pad;
    let top = -t, left = -l;
    let H = x.shape[x.ndim - 2] + t + b, W = x.shape[x.ndim - 1] + l + r;
    const [h, w] = this.size;
    // As torchvision: a too small side is padded on both ends by the missing amount.
    if (this.padIfNeeded && H < h) {
      top -= h - H;
      H += 2 * (h - H);
    }
    if (this.padIfNeeded && W < w) {
      left -= w - W;
      W += 2 * (w - W);
    }
    if (H < h || W < w) {
      throw new RangeError(`Required crop size (${h}, ${w}) is larger than input image size (${H}, ${W})`);
    }
    return [top, left, H, W];
  }

  forward(x: Tensor): Tensor {
    return tidy(() => spatial(x, false, (chw) => this.cropOne(chw)));
  }

  /** Each image of the batch [N, ..., H, W] gets its own window; the crops are written into one tensor. */
  override forwardBatch(x: Tensor): Tensor {
    return tidy(() => spatial(x, true, (chw) => this.cropBatch(chw)));
  }

  private cropOne(x: Tensor): Tensor {
    const [top, left, H, W] = this.paddedBox(x);
    const [h, w] = this.size;
    // torchvision draws nothing when the window is the whole image, and the row before the column.
    const whole = H === h && W === w;
    const [i] = whole ? [0] : draws(H - h + 1, 1);
    const [j] = whole ? [0] : draws(W - w + 1, 1);
    return cropOrFill(x, top + i, left + j, h, w, this.fill);
  }

  private cropBatch(x: Tensor): Tensor {
    const [top, left, H, W] = this.paddedBox(x);
    const [h, w] = this.size;
    const n = x.shape[0];
    const is = draws(H - h + 1, n), js = draws(W - w + 1, n);
    const out = full([...x.shape.slice(0, -2), h, w], this.fill, { dtype: x.dtype });
    for (let k = 0; k < n; k++) out.select(0, k).copy_(cropOrFill(x.select(0, k), top + is[k], left + js[k], h, w, this.fill));
    return out;
  }

  override get supportsBatch(): boolean {
    return true;
  }
}
