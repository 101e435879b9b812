/** StochasticDepth: torchvision.ops.StochasticDepth as a layer (identity in eval mode). */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { stochasticDepth, type StochasticDepthMode } from '../functional/stochastic_depth.js';
import { pyFloat } from '../utils.js';

/**
 * Randomly drops a residual branch while training ('row': per sample, 'batch': all or nothing), scaling
 * survivors by 1 / (1 - p); the identity in eval mode.
 *
 * @example
 * const sd = new nn.StochasticDepth(0.1, 'row');
 * const y = sd.forward(block.forward(x)).add(x);
 */
export class StochasticDepth extends Module {
  constructor(public p: number, public mode: StochasticDepthMode) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`drop probability has to be between 0 and 1, but got ${p}`);
    if (mode !== 'row' && mode !== 'batch') throw new RangeError(`mode has to be either 'batch' or 'row', but got ${mode}`);
  }

  forward(input: Tensor): Tensor {
    return stochasticDepth(input, this.p, this.mode, this.training);
  }

  /** torchvision prints `StochasticDepth(p=0.2, mode=row)`. */
  override toString(): string {
    return `StochasticDepth(p=${pyFloat(this.p)}, mode=${this.mode})`;
  }
}
