/** StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR and LinearLR. */
import { LRScheduler, field, type AnyOptimizer, type SchedulerOptions, type StateField } from './base.js';

export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { stepSize: number; gamma?: number } & SchedulerOptions) {
    super(optimizer);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.init(options.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  protected override stateFields(): Record<string, StateField> {
    return { step_size: field(this, 'stepSize'), gamma: field(this, 'gamma'), ...super.stateFields() };
  }
}

/**
 * Multiplies the lr by `gamma` at each milestone epoch (by gamma^k for a milestone listed k times).
 *
 * @example
 * const sched = new optim.lrScheduler.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Milestone epoch → how many times it was listed (PyTorch's Counter). */
  milestones: Map<number, number>;
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { milestones: number[]; gamma?: number } & SchedulerOptions) {
    super(optimizer);
    this.milestones = new Map();
    for (const m of options.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = options.gamma ?? 0.1;
    this.init(options.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma ** count);
  }

  protected override stateFields(): Record<string, StateField> {
    return {
      milestones: {
        get: () => Object.fromEntries(this.milestones),
        set: (v) => {
          this.milestones = new Map(Object.entries(v as Record<string, number>).map(([k, c]) => [Number(k), c]));
        },
      },
      gamma: field(this, 'gamma'),
      ...super.stateFields(),
    };
  }
}

/**
 * Multiplies the lr by `gamma` every epoch.
 *
 * @example
 * const sched = new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { gamma: number } & SchedulerOptions) {
    super(optimizer);
    this.gamma = options.gamma;
    this.init(options.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  protected override stateFields(): Record<string, StateField> {
    return { gamma: field(this, 'gamma'), ...super.stateFields() };
  }
}

/**
 * Cosine annealing from the initial lr to `etaMin` over `tMax` epochs (PyTorch's recursive form, which
 * rises again after tMax: a cosine of period 2·tMax).
 *
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  /** PyTorch's T_max. */
  tMax: number;
  etaMin: number;

  constructor(optimizer: AnyOptimizer, options: { tMax: number; etaMin?: number } & SchedulerOptions) {
    super(optimizer);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.init(options.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return this.groupLrs();
    if (this.stepCount === 1 && e > 0) {
      // Resuming at lastEpoch > 0: the closed form.
      return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos(e * Math.PI / tMax)) / 2);
    }
    if ((e - 1 - tMax) % (2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    return groups.map((g) =>
      (1 + Math.cos(Math.PI * e / tMax)) / (1 + Math.cos(Math.PI * (e - 1) / tMax)) * (g.lr - etaMin) + etaMin);
  }

  protected override stateFields(): Record<string, StateField> {
    return { T_max: field(this, 'tMax'), eta_min: field(this, 'etaMin'), ...super.stateFields() };
  }
}

/**
 * Scales the lr linearly from `startFactor` to `endFactor` of the initial lr over `totalIters` epochs
 * (a warm-up with the defaults 1/3 → 1 over 5).
 *
 * @example
 * const warmup = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: AnyOptimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number } & SchedulerOptions = {}) {
    super(optimizer);
    this.startFactor = options.startFactor ?? 1.0 / 3;
    this.endFactor = options.endFactor ?? 1.0;
    this.totalIters = options.totalIters ?? 5;
    if (this.startFactor > 1.0 || this.startFactor < 0) {
      throw new RangeError('Starting multiplicative factor expected to be between 0 and 1.');
    }
    if (this.endFactor > 1.0 || this.endFactor < 0) throw new RangeError('Ending multiplicative factor expected to be between 0 and 1.');
    this.init(options.lastEpoch ?? -1);
  }

  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groupLrs().map((lr) => lr * s);
    if (e > n) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected override stateFields(): Record<string, StateField> {
    return {
      start_factor: field(this, 'startFactor'),
      end_factor: field(this, 'endFactor'),
      total_iters: field(this, 'totalIters'),
      ...super.stateFields(),
    };
  }
}

/** One phase of OneCycleLR: where it ends, and which group keys it anneals between. */
