/** Resize: bilinear, bicubic or nearest interpolation of the last two dims. */
import type { Tensor } from '../../tensor.js';
import { fromValues } from '../../ops/creation.js';
import { tidy } from '../../memory/scope.js';
import { getDefaultDType, isFloating } from '../../dtype.js';
import { formatShape } from '../../layout.js';
import { Transform, spatial } from './transform.js';

export type Interpolation = 'bilinear' | 'bicubic' | 'nearest';

export interface ResizeOptions {
  /** 'bilinear' (default), 'bicubic' or 'nearest'. */
  interpolation?: Interpolation;
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

/** Keys' cubic convolution kernel with ATen's A = -0.75, for |x| <= 1 and 1 < |x| < 2. */
const A = -0.75;
const cubicNear = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
const cubicFar = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;

/**
 * ATen's upsample_bicubic2d with align_corners=False: src = (dst + 0.5) * in/out - 0.5 (not clamped), four
 * taps around floor(src) with indices clamped to the image, weights from the cubic kernel.
 */
function bicubicTaps(inSize: number, outSize: number): { index: number[][]; weight: number[][] } {
  const scale = Math.fround(inSize / outSize);
  const index: number[][] = [[], [], [], []], weight: number[][] = [[], [], [], []];
  for (let d = 0; d < outSize; d++) {
    const src = Math.fround(Math.fround(scale * (d + 0.5)) - 0.5);
    const base = Math.floor(src);
    const t = Math.fround(src - base);
    const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
    for (let k = 0; k < 4; k++) {
      index[k].push(Math.min(Math.max(base - 1 + k, 0), inSize - 1));
      weight[k].push(w[k]);
    }
  }
  return { index, weight };
}

/** ATen's nearest: src = floor(dst * in/out), clamped to the last index. */
function nearestTaps(inSize: number, outSize: number): number[] {
  const scale = Math.fround(inSize / outSize);
  return Array.from({ length: outSize }, (_, d) => Math.min(Math.floor(Math.fround(d * scale)), inSize - 1));
}

/** Interpolates along one dim (-2 or -1) of a floating tensor. */
function resizeDim(x: Tensor, dim: -2 | -1, outSize: number, mode: Interpolation): Tensor {
  const inSize = x.shape[x.ndim + dim];
  if (inSize === outSize) return x;
  if (mode === 'nearest') return x.indexSelect(dim, fromValues(nearestTaps(inSize, outSize), [outSize], 'int64'));
  const shape = dim === -2 ? [outSize, 1] : [outSize];
  if (mode === 'bicubic') {
    const { index, weight } = bicubicTaps(inSize, outSize);
    let sum: Tensor | null = null;
    for (let k = 0; k < 4; k++) {
      const term = x.indexSelect(dim, fromValues(index[k], [outSize], 'int64')).mul(fromValues(weight[k], shape, x.dtype));
      sum = sum ? sum.add(term) : term;
    }
    return sum!;
  }
  const { i0, i1, w0, w1 } = bilinearTaps(inSize, outSize);
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
  readonly interpolation: Interpolation;

  constructor(readonly size: number | [number, number], options: ResizeOptions = {}) {
    super();
    this.interpolation = options.interpolation ?? 'bilinear';
    if (!['bilinear', 'bicubic', 'nearest'].includes(this.interpolation)) {
      throw new RangeError(`Resize: interpolation must be 'bilinear', 'bicubic' or 'nearest', got ${JSON.stringify(this.interpolation)}`);
    }
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
      if (floating || this.interpolation === 'nearest') return out;
      // Bilinear weights are convex; cubic ones overshoot, and torchvision clamps before rounding back to uint8.
      return (this.interpolation === 'bicubic' ? out.clamp(0, 255) : out).round().to(x.dtype);
    });
  }

  override get supportsBatch(): boolean {
    return true;
  }
}
