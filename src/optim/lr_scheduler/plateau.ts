/** ReduceLROnPlateau: lowers the learning rate when a metric stops improving. */
import { Stateful, constant, field, type AnyOptimizer, type StateField } from './base.js';
import type { Tensor } from '../../tensor.js';

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): the metric should decrease; 'max': increase. */
  mode?: 'min' | 'max';
  /** New lr = lr * factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best value; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the lr by `factor` when a metric stops improving for `patience` epochs.
 *
 * @example
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { mode: 'min', patience: 5 });
 * sched.step(validationLoss);
 */
export class ReduceLROnPlateau extends Stateful {
  readonly optimizer: AnyOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** Best metric so far (starts at the worst value for the mode). */
  best = Infinity;
  numBadEpochs = 0;
  modeWorse = Infinity;
  eps: number;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    super();
    this.factor = options.factor ?? 0.1;
    if (this.factor >= 1.0) throw new RangeError('Factor should be < 1.0.');
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups.length) throw new RangeError(`expected ${groups.length} min_lrs, got ${minLr.length}`);
      this.minLrs = minLr.slice();
    } else {
      this.minLrs = groups.map(() => minLr);
    }
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    this.mode = options.mode ?? 'min';
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.eps = options.eps ?? 1e-8;
    this.initIsBetter();
    this.reset();
    this.lastLr = groups.map((g) => g.lr);
  }

  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  /**
   * Records the epoch's metric (a number or a one-element tensor) and reduces the lr if it has not improved.
   *
   * @example
   * sched.step(valLoss);
   */
  step(metrics: number | Tensor): void {
    const current = typeof metrics === 'number' ? metrics : metrics.item();
    const epoch = this.lastEpoch + 1;
    this.lastEpoch = epoch;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The groups' lrs after the last step().
   *
   * @example
   * console.log(sched.getLastLr());
   */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  private get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }

  /** Whether metric a improves on best by more than the threshold. */
  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min' && this.thresholdMode === 'abs') return a < best - this.threshold;
    if (this.mode === 'max' && this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  private initIsBetter(): void {
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`mode ${String(this.mode)} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new RangeError(`threshold mode ${String(this.thresholdMode)} is unknown!`);
    }
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }

  override loadStateDict(stateDict: Record<string, unknown>): void {
    super.loadStateDict(stateDict);
    this.initIsBetter();
  }

  protected stateFields(): Record<string, StateField> {
    return {
      factor: field(this, 'factor'),
      min_lrs: field(this, 'minLrs'),
      patience: field(this, 'patience'),
      verbose: constant(false),
      cooldown: field(this, 'cooldown'),
      cooldown_counter: field(this, 'cooldownCounter'),
      mode: field(this, 'mode'),
      threshold: field(this, 'threshold'),
      threshold_mode: field(this, 'thresholdMode'),
      best: field(this, 'best'),
      num_bad_epochs: field(this, 'numBadEpochs'),
      mode_worse: field(this, 'modeWorse'),
      eps: field(this, 'eps'),
      last_epoch: field(this, 'lastEpoch'),
      _last_lr: { get: () => this.lastLr.slice(), set: (v) => { this.lastLr = (v as number[]).slice(); } },
    };
  }
}

