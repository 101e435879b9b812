/** Dropout layers: active in training mode, the identity in eval mode. */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import * as F from '../functional/dropout.js';
import { pyBool, pyFloat } from '../utils.js';

abstract class DropoutNd extends Module {
  inplace: boolean;
  constructor(public p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.inplace = options.inplace ?? false;
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}

/**
 * Zeroes elements with probability p in training and scales the rest by 1 / (1 - p).
 *
 * @example
 * const drop = new nn.Dropout(0.3);
 * drop.forward(x);       // training: random zeros
 * drop.eval().forward(x); // x
 */
export class Dropout extends DropoutNd {
  forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, { training: this.training, inplace: this.inplace });
  }
}

/** Zeroes whole channels of [N, C, L]. @example new nn.Dropout1d(0.2) */
export class Dropout1d extends DropoutNd {
  forward(input: Tensor): Tensor {
    return F.dropout1d(input, this.p, { training: this.training, inplace: this.inplace });
  }
}

/** Zeroes whole channels of [N, C, H, W]. @example new nn.Dropout2d(0.1) */
export class Dropout2d extends DropoutNd {
  forward(input: Tensor): Tensor {
    return F.dropout2d(input, this.p, { training: this.training, inplace: this.inplace });
  }
}
