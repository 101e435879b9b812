/** LayerNorm and GroupNorm (composites; see functional/normalization.ts). */
import type { Tensor } from '../../tensor.js';
import { empty } from '../../ops/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { ones_, zeros_ } from '../init.js';
import { groupNorm, layerNorm } from '../functional/normalization.js';
import { pyBool, pyFloat, pyValue } from '../utils.js';
import type { FactoryOptions } from './linear.js';

/**
 * Normalises over the last dims (normalizedShape) with a learned elementwise affine.
 *
 * @example
 * const ln = new nn.LayerNorm(512);
 * ln.forward(torch.randn(8, 20, 512));
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  eps: number;
  readonly elementwiseAffine: boolean;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(
    normalizedShape: number | number[],
    options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } & FactoryOptions = {},
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const make = () => Parameter(empty(this.normalizedShape, { dtype: options.dtype }));
    this.weight = this.elementwiseAffine ? make() : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? make() : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyValue(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/**
 * Splits channels into numGroups groups and normalises each over its channels and positions.
 *
 * @example
 * const gn = new nn.GroupNorm(8, 64);
 * gn.forward(torch.randn(4, 64, 16, 16));
 */
export class GroupNorm extends Module {
  eps: number;
  readonly affine: boolean;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(readonly numGroups: number, readonly numChannels: number, options: { eps?: number; affine?: boolean } & FactoryOptions = {}) {
    super();
    if (numChannels % numGroups !== 0) throw new RangeError('num_channels must be divisible by num_groups');
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? Parameter(empty([numChannels], { dtype: options.dtype })) : null;
    this.bias = this.affine ? Parameter(empty([numChannels], { dtype: options.dtype })) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
