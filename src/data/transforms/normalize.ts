/** Normalize: per-channel (x - mean) / std. */
import type { Tensor } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { fromValues } from '../../ops/creation.js';
import { keep, tidy } from '../../memory/scope.js';
import { formatShape } from '../../layout.js';
import { Transform } from './transform.js';
import { requireFloat } from './to_tensor.js';

/**
 * Normalizes each channel of a float image [..., C, H, W]: (x - mean[c]) / std[c]
 * (torchvision.transforms.Normalize). Works on [C, H, W] and on batches [N, C, H, W] alike.
 *
 * @example
 * new Normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]).forward(img);
 */
export class Normalize extends Transform {
  readonly mean: number[];
  readonly std: number[];
  // Per-dtype [C, 1, 1] constants, made once and kept (they outlive any scope the transform runs in).
  private readonly constants = new Map<DType, { mean: Tensor; std: Tensor }>();

  constructor(mean: number[] | number, std: number[] | number) {
    super();
    this.mean = Array.isArray(mean) ? mean.slice() : [mean];
    this.std = Array.isArray(std) ? std.slice() : [std];
    if (this.std.some((s) => s === 0)) throw new RangeError(`std evaluated to zero, leading to division by zero (std = [${this.std}])`);
    if (this.mean.length === 0 || this.std.length === 0) throw new RangeError('Normalize needs at least one mean and one std');
  }

  private constantsFor(dtype: DType): { mean: Tensor; std: Tensor } {
    let c = this.constants.get(dtype);
    if (!c) {
      c = {
        mean: keep(fromValues(this.mean, [this.mean.length, 1, 1], dtype)),
        std: keep(fromValues(this.std, [this.std.length, 1, 1], dtype)),
      };
      this.constants.set(dtype, c);
    }
    return c;
  }

  forward(x: Tensor): Tensor {
    requireFloat(x, 'Normalize');
    if (x.ndim < 3) throw new RangeError(`Normalize expects a tensor image [..., C, H, W], got ${formatShape(x.shape)}`);
    const channels = x.shape[x.ndim - 3];
    for (const [name, v] of [['mean', this.mean], ['std', this.std]] as const) {
      if (v.length !== 1 && v.length !== channels) {
        throw new RangeError(`Normalize: ${name} has ${v.length} values but the image has ${channels} channels`);
      }
    }
    const { mean, std } = this.constantsFor(x.dtype);
    return tidy(() => x.sub(mean).div(std));
  }

  override forwardBatch(x: Tensor): Tensor {
    return this.forward(x);
  }

  override get supportsBatch(): boolean {
    return true;
  }
}
