/** Flatten and Unflatten. */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { pyValue } from '../utils.js';

/**
 * Flattens dims startDim..endDim into one (by default everything but the batch dim).
 *
 * @example
 * new nn.Flatten().forward(torch.zeros(8, 3, 4, 4)).shape; // [8, 48]
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim into the given sizes.
 *
 * @example
 * new nn.Unflatten(1, [2, 5]).forward(torch.zeros(3, 10)).shape; // [3, 2, 5]
 */
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly unflattenedSize: number[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyValue(this.unflattenedSize)}`;
  }
}
