/** Linear and Identity layers. */
import type { Tensor } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { empty } from '../../ops/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { resetLinearLike } from '../init.js';
import { linear } from '../functional/linear.js';
import { pyBool } from '../utils.js';

/** Options every layer with parameters accepts (PyTorch's factory kwargs). */
export interface FactoryOptions {
  dtype?: DType;
}

/**
 * y = x Wᵀ + b. Initialised as PyTorch does (kaiming_uniform_ with a = √5, bias U(±1/√in)), so after
 * torch.manualSeed(s) the weights equal PyTorch's.
 *
 * @example
 * const fc = new nn.Linear(128, 10);
 * fc.forward(torch.randn(32, 128)).shape; // [32, 10]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } & FactoryOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = Parameter(empty([outFeatures, inFeatures], { dtype: options.dtype }));
    this.bias = options.bias ?? true ? Parameter(empty([outFeatures], { dtype: options.dtype })) : null;
    this.resetParameters();
  }

  /** PyTorch's reset_parameters (same draws from the default generator, in the same order). */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Returns its input (a placeholder, e.g. to remove a layer: `model.fc = new nn.Identity()`).
 *
 * @example
 * new nn.Identity().forward(x) === x; // true
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  forward<T>(input: T): T {
    return input;
  }
}
