/**
 * BatchNorm1d / BatchNorm2d: PyTorch's _NormBase and _BatchNorm. Running statistics are buffers
 * (running_mean, running_var, num_batches_tracked: the state-dict keys torchvision checkpoints use).
 */
import type { Tensor } from '../../tensor.js';
import { empty, ones, tensor, zeros } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { ones_, zeros_ } from '../init.js';
import { batchNorm } from '../functional/normalization.js';
import { pyBool, pyFloat } from '../utils.js';
import type { FactoryOptions } from './linear.js';

export interface BatchNormModuleOptions extends FactoryOptions {
  eps?: number;
  /** Weight of the new batch in the running averages; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export abstract class BatchNormBase extends Module {
  eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Tensor | null;
  bias: Tensor | null;
  // Buffers (accessors installed by registerBuffer; `declare` so no class field hides them).
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(readonly numFeatures: number, options: BatchNormModuleOptions = {}) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype;
    this.weight = this.affine ? Parameter(empty([numFeatures], { dtype })) : null;
    this.bias = this.affine ? Parameter(empty([numFeatures], { dtype })) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int64' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  get runningMean(): Tensor | null { return this.running_mean; }
  get runningVar(): Tensor | null { return this.running_var; }
  get numBatchesTracked(): Tensor | null { return this.num_batches_tracked; }

  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  protected abstract checkInputDim(input: Tensor): void;

  forward(input: Tensor): Tensor {
    return this.normalize(input, false);
  }

  /** relu(forward(input)) in one fused kernel; nn.Sequential calls it for a BatchNorm followed by a ReLU. */
  forwardWithRelu(input: Tensor): Tensor {
    return this.normalize(input, true);
  }

  /**
   * maxPool2d(relu(forward(input)), window) with stride = window, in one fused pass each way; nn.Sequential
   * calls it for BatchNorm2d, ReLU, MaxPool2d(k) (see MaxPool2d.tilingWindow).
   *
   * @example
   * const y = bn.forwardWithReluMaxPool(x, [2, 2]); // as pool.forward(relu.forward(bn.forward(x)))
   */
  forwardWithReluMaxPool(input: Tensor, window: [number, number]): Tensor {
    return this.normalize(input, true, null, window);
  }

  /**
   * relu?(forward(input) + residual) with the add (and ReLU) fused into the normalisation: a ResNet block's
   * tail, which convBn calls.
   *
   * @example
   * const y = bn.forwardWithResidual(conv.forward(x), shortcut, true);
   */
  forwardWithResidual(input: Tensor, residual: Tensor, relu: boolean): Tensor {
    return this.normalize(input, relu, residual);
  }

  private normalize(input: Tensor, fuseRelu: boolean, residual: Tensor | null = null, maxPool: [number, number] | null = null): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      // momentum null: cumulative moving average over the batches seen so far.
      if (this.momentum === null) factor = 1.0 / this.num_batches_tracked.item();
    }
    const bnTraining = this.training || (this.running_mean === null && this.running_var === null);
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(
      input, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, this.weight, this.bias,
      { training: bnTraining, momentum: factor, eps: this.eps, fuseRelu, residual, maxPool },
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, ` +
      `affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L].
 *
 * @example
 * const bn = new nn.BatchNorm1d(64);
 * bn.forward(torch.randn(32, 64));
 */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

/**
 * Batch normalisation over [N, C, H, W]: batch statistics in training (updating the running ones), running
 * statistics in eval mode.
 *
 * @example
 * const bn = new nn.BatchNorm2d(32);
 * bn.forward(torch.randn(8, 32, 16, 16));
 * bn.stateDict(); // weight, bias, running_mean, running_var, num_batches_tracked
 */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`expected 4D input (got ${input.ndim}D input)`);
  }
}
