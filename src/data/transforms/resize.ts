/** Resize: bilinear (or nearest) interpolation of the last two dims. */
import type { Tensor } from '../../tensor.js';
import { fromValues } from '../../ops/creation.js';
import { tidy } from '../../memory/scope.js';
import { getDefaultDType, isFloating } from '../../dtype.js';
import { formatShape } from '../../layout.js';
import { Transform, spatial } from './transform.js';

export interface ResizeOptions {
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: 'bilinear' | 'nearest';
}

/**
 * Source rows for each output row, as ATen's upsample_bilinear2d with align_corners=False:
 * src = (dst + 0.5) * in/out - 0.5, clamped at 0; the two neighbours and their weights.
 */
function bilinearTaps(inSize: number, outSize: number): { i0: number[]; i1: number[]; w0: number[]; w1: number[] } {
  const scale = Math.fround(inSize / outSize);
  const i0: number[] = [], i1: number[] = [], w0: number[] = [], w1: number[] = [];
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(Math.fround(Math.fround(scale * (d + 0.5)) - 0.5), 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.fround(src - lo);
    i0.push(lo);
    i1.push(lo < inSize - 1 ? lo + 1 : lo);
    w0.push(1 - lambda);
    w1.push(lambda);
  }
  return { i0, i1, w0, w1 };
}

/** ATen's nearest: src = floor(dst * in/out), clamped to the last index. */
function nearestTaps(inSize: number, outSize: number): number[] {
  const scale = Math.fround(inSize / outSize);
  return Array.from({ length: outSize }, (_, d) => Math.min(Math.floor(Math.fround(d * scale)), inSize - 1));
}

/** Interpolates along one dim (-2 or -1) of a floating tensor. */
function resizeDim(x: Tensor, dim: -2 | -1, outSize: number, mode: 'bilinear' | 'nearest'): Tensor {
  const inSize = x.shape[x.ndim + dim];
  if (inSize === outSize) return x;
  if (mode === 'nearest') return x.indexSelect(dim, fromValues(nearestTaps(inSize, outSize), [outSize], 'int64'));
  const { i0, i1, w0, w1 } = bilinearTaps(inSize, outSize);
  const shape = dim === -2 ? [outSize, 1] : [outSize];
  const a = x.indexSelect(dim, fromValues(i0, [outSize], 'int64')).mul(fromValues(w0, shape, x.dtype));
  const b = x.indexSelect(dim, fromValues(i1, [outSize], 'int64')).mul(fromValues(w1, shape, x.dtype));
  return a.add(b);
}

/**
 * Resizes an image [..., H, W] (torchvision.transforms.Resize, F.interpolate with align_corners=False and
 * no antialiasing). An int resizes the smaller edge to that size keeping the aspect ratio; [h, w] gives
 * the size exactly. uint8 images are interpolated in float and rounded back, as torchvision does.
 *
 * @example
 * new Resize([224, 224]).forward(img);
 */
export class Resize extends Transform {
  readonly interpolation: 'bilinear' | 'nearest';

  constructor(readonly size: number | [number, number], options: ResizeOptions = {}) {
    super();
    this.interpolation = options.interpolation ?? 'bilinear';
    const sizes = typeof size === 'number' ? [size] : size;
    if (!sizes.every((s) => Number.isInteger(s) && s > 0)) throw new RangeError(`Resize: size must be a positive int or [h, w], got ${JSON.stringify(size)}`);
  }

  /** The output [h, w] for an input of h × w (torchvision's _compute_resized_output_size). */
  outputSize(h: number, w: number): [number, number] {
    if (typeof this.size !== 'number') return [this.size[0], this.size[1]];
    const short = Math.min(h, w), long = Math.max(h, w);
    const newLong = Math.floor((this.size * long) / short);
    return h <= w ? [this.size, newLong] : [newLong, this.size];
  }

  forward(x: Tensor): Tensor {
    return tidy(() => spatial(x, false, (chw) => this.resize(chw)));
  }

  override forwardBatch(x: Tensor): Tensor {
    return tidy(() => spatial(x, true, (chw) => this.resize(chw)));
  }

  private resize(x: Tensor): Tensor {
    if (x.ndim < 2) throw new RangeError(`Resize expects an image [..., H, W], got ${formatShape(x.shape)}`);
    const [h, w] = this.outputSize(x.shape[x.ndim - 2], x.shape[x.ndim - 1]);
    return tidy(() => {
      const floating = isFloating(x.dtype);
      // Separable: rows first, then columns (the same weights ATen applies in one pass).
      const f = floating || this.interpolation === 'nearest' ? x : x.to(getDefaultDType());
      const out = resizeDim(resizeDim(f, -2, h, this.interpolation), -1, w, this.interpolation);
      if (out === x) return x.clone();
      return floating || this.interpolation === 'nearest' ? out : out.round().to(x.dtype); // bilinear weights are convex: no clamp needed
    });
  }

  override get supportsBatch(): boolean {
    return true;
  }
}
