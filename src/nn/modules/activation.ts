/** Activation layers: thin modules over nn.functional. */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import * as F from '../functional/activation.js';
import { pyFloat } from '../utils.js';

const inplaceText = (inplace: boolean, first = false): string => (inplace ? `${first ? '' : ', '}inplace=True` : '');

/** max(0, x). @example new nn.ReLU().forward(x) */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.relu(input, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return inplaceText(this.inplace, true);
  }
}

/** min(max(x, minVal), maxVal). @example new nn.Hardtanh(-2, 2) */
export class Hardtanh extends Module {
  readonly inplace: boolean;
  constructor(readonly minVal = -1.0, readonly maxVal = 1.0, options: { inplace?: boolean } = {}) {
    super();
    if (minVal > maxVal) throw new RangeError('min_val cannot be greater than max_val');
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.hardtanh(input, { minVal: this.minVal, maxVal: this.maxVal, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceText(this.inplace)}`;
  }
}

/** min(max(0, x), 6). @example new nn.ReLU6() */
export class ReLU6 extends Hardtanh {
  constructor(options: { inplace?: boolean } = {}) {
    super(0, 6, options);
  }
  override extraRepr(): string {
    return inplaceText(this.inplace, true);
  }
}

/** x, or negativeSlope * x below zero. @example new nn.LeakyReLU(0.2) */
export class LeakyReLU extends Module {
  readonly inplace: boolean;
  constructor(readonly negativeSlope = 0.01, options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.leakyRelu(input, this.negativeSlope, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${inplaceText(this.inplace)}`;
  }
}

/** x, or alpha (exp(x) - 1) below zero. @example new nn.ELU(1.0) */
export class ELU extends Module {
  readonly inplace: boolean;
  constructor(readonly alpha = 1.0, options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.elu(input, this.alpha, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceText(this.inplace)}`;
  }
}

/** Gaussian error linear unit. @example new nn.GELU('tanh') */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x * sigmoid(x). @example new nn.SiLU() */
export class SiLU extends Module {
  readonly inplace: boolean;
  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.silu(input, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return inplaceText(this.inplace, true);
  }
}

/** x * tanh(softplus(x)). @example new nn.Mish() */
export class Mish extends Module {
  readonly inplace: boolean;
  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.mish(input, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return inplaceText(this.inplace, true);
  }
}

/** log(1 + exp(beta x)) / beta. @example new nn.Softplus() */
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.softplus(input, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** @example new nn.Sigmoid().forward(x) */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

/** @example new nn.Tanh().forward(x) */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

/** Softmax along dim (PyTorch's implicit dim, with a warning, when dim is omitted). @example new nn.Softmax(1) */
export class Softmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** log(softmax(x)) along dim. @example new nn.LogSoftmax(1) */
export class LogSoftmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** softmax(-x) along dim. @example new nn.Softmin(1) */
export class Softmin extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.softmin(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}
