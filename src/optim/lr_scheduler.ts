/**
 * Learning-rate schedulers, as torch.optim.lr_scheduler in PyTorch 1.13: each writes `lr` (and, for
 * OneCycleLR, the momentum) into the optimizer's param groups. The chainable forms are followed formula for
 * formula, so the sequences equal PyTorch's to double rounding. Constructing a scheduler takes step 0 at once
 * (it records `initialLr` in each group and may change `lr`, as LinearLR and OneCycleLR do); call `step()`
 * after each `optimizer.step()`. State dicts use PyTorch's keys (`last_epoch`, `base_lrs`, `_last_lr`, ...).
 */
import type { Tensor } from '../tensor.js';
import type { Optimizer, OptimizerOptions, ParamGroup } from './optimizer.js';
import { toCamel, toSnake } from './names.js';

type AnyOptimizer = Optimizer<OptimizerOptions>;

/** How one state-dict entry is read from and written to a scheduler. */
interface StateField {
  get(): unknown;
  set(value: unknown): void;
}

/** Copies arrays and plain objects, so a state dict never aliases a scheduler's own arrays. */
function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepCopy(v)]));
  }
  return value;
}

/** A public field saved under PyTorch's name. */
function field<T extends object, K extends keyof T & string>(obj: T, name: K): StateField {
  return {
    get: () => deepCopy(obj[name]),
    set: (value) => {
      obj[name] = deepCopy(value) as T[K];
    },
  };
}

/** A value PyTorch saves that antorcha does not use (verbose printing, a flag only true inside get_lr). */
function constant(value: unknown): StateField {
  return { get: () => value, set: () => {} };
}

/** stateDict / loadStateDict over a table of PyTorch-named fields. */
abstract class Stateful {
  /** PyTorch's state-dict key → how to read and write it. */
  protected abstract stateFields(): Record<string, StateField>;

  /**
   * The scheduler's state with PyTorch's keys (everything but the optimizer).
   *
   * @example
   * const ckpt = { optimizer: opt.stateDict(), scheduler: sched.stateDict() };
   */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, f] of Object.entries(this.stateFields())) out[key] = f.get();
    return out;
  }

  /**
   * Restores state from `stateDict()` (or PyTorch's). Keys it does not know are ignored. Load the
   * optimizer's state too: the chainable schedules continue from the groups' current `lr`.
   *
   * @example
   * sched.loadStateDict(ckpt.scheduler);
   */
  loadStateDict(stateDict: Record<string, unknown>): void {
    const fields = this.stateFields();
    for (const [key, value] of Object.entries(stateDict)) fields[key]?.set(value);
  }
}

/** Options every epoch-based scheduler takes. */
export interface SchedulerOptions {
  /** Index of the last epoch when resuming (default -1: start; then groups must hold `initialLr`). */
  lastEpoch?: number;
}

/**
 * Base class of the epoch-based schedulers (torch.optim.lr_scheduler._LRScheduler). A subclass stores its
 * options, then calls `init(lastEpoch)`, which takes the initial step; `getLr()` gives the next lrs.
 *
 * @example
 * class HalvingLR extends optim.lrScheduler.LRScheduler {
 *   constructor(opt: optim.Optimizer) { super(opt); this.init(-1); }
 *   protected getLr() { return this.baseLrs.map((lr) => lr / 2 ** this.lastEpoch); }
 * }
 */
export abstract class LRScheduler extends Stateful {
  readonly optimizer: AnyOptimizer;
  /** The groups' `initialLr` when the scheduler was created. */
  baseLrs: number[] = [];
  lastEpoch = -1;
  /** Calls of step(), the initial one included (PyTorch's _step_count). */
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer) {
    super();
    this.optimizer = optimizer;
  }

  /** Records each group's initial lr (or checks it is there when resuming) and takes the initial step. */
  protected init(lastEpoch: number): void {
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const group of groups) if (!('initialLr' in group)) group.initialLr = group.lr;
    } else {
      groups.forEach((group, i) => {
        if (!('initialLr' in group)) {
          throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.step();
  }

  /**
   * Advances one epoch (or one batch, for OneCycleLR) and writes the new lrs into the optimizer.
   *
   * @example
   * for (let epoch = 0; epoch < 90; epoch++) { train(); sched.step(); }
   */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The lrs the last step() wrote, one per group.
   *
   * @example
   * console.log(sched.getLastLr()[0]);
   */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The lrs for epoch `lastEpoch` (PyTorch's chainable get_lr). */
  protected abstract getLr(): number[];

  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected stateFields(): Record<string, StateField> {
    return {
      base_lrs: field(this, 'baseLrs'),
      last_epoch: field(this, 'lastEpoch'),
      verbose: constant(false),
      _step_count: { get: () => this.stepCount, set: (v) => { this.stepCount = v as number; } },
      _get_lr_called_within_step: constant(false),
      _last_lr: { get: () => this.lastLr.slice(), set: (v) => { this.lastLr = (v as number[]).slice(); } },
    };
  }
}

/**
 * Multiplies the lr by `gamma` every `stepSize` epochs.
 *
 * @example
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 */
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
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | number[];
  /** Number of steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase annealing back to initialLr before the final decay (default false). */
  threePhase?: boolean;
}

/**
 * The 1cycle policy (Smith): the lr rises from maxLr/divFactor to maxLr, then falls far below the start,
 * while the momentum does the opposite. Step it after every batch.
 *
 * @example
 * const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.01, epochs: 10, stepsPerEpoch: loader.length });
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  cycleMomentum: boolean;
  /** Whether the momentum lives in `betas[0]` (Adam) rather than `momentum`. */
  useBeta1 = false;
  annealStrategy: 'cos' | 'linear';
  private phases: Phase[];

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    super(optimizer);
    const { epochs, stepsPerEpoch, totalSteps } = options;
    if (totalSteps === undefined && (epochs === undefined || stepsPerEpoch === undefined)) {
      throw new Error('You must define either total_steps OR (epochs AND steps_per_epoch)');
    }
    if (totalSteps !== undefined) {
      if (!Number.isInteger(totalSteps) || totalSteps <= 0) throw new RangeError(`Expected positive integer total_steps, but got ${totalSteps}`);
      this.totalSteps = totalSteps;
    } else {
      if (!Number.isInteger(epochs) || epochs! <= 0) throw new RangeError(`Expected positive integer epochs, but got ${epochs}`);
      if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch! <= 0) {
        throw new RangeError(`Expected positive integer steps_per_epoch, but got ${stepsPerEpoch}`);
      }
      this.totalSteps = epochs! * stepsPerEpoch!;
    }
    const pctStart = options.pctStart ?? 0.3;
    const n = this.totalSteps;
    this.phases = options.threePhase
      ? [
          phase(pctStart * n - 1, 'initialLr', 'maxLr', 'maxMomentum', 'baseMomentum'),
          phase(2 * pctStart * n - 2, 'maxLr', 'initialLr', 'baseMomentum', 'maxMomentum'),
          phase(n - 1, 'initialLr', 'minLr', 'maxMomentum', 'maxMomentum'),
        ]
      : [
          phase(pctStart * n - 1, 'initialLr', 'maxLr', 'maxMomentum', 'baseMomentum'),
          phase(n - 1, 'maxLr', 'minLr', 'baseMomentum', 'maxMomentum'),
        ];
    if (pctStart < 0 || pctStart > 1) throw new RangeError(`Expected float between 0 and 1 pct_start, but got ${pctStart}`);
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new RangeError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${String(strategy)}`);
    }
    this.annealStrategy = strategy;

    const groups = optimizer.paramGroups;
    const lastEpoch = options.lastEpoch ?? -1;
    const maxLrs = perGroup('max_lr', groups, options.maxLr);
    if (lastEpoch === -1) {
      const divFactor = options.divFactor ?? 25;
      const finalDivFactor = options.finalDivFactor ?? 1e4;
      groups.forEach((group, i) => {
        group.initialLr = maxLrs[i] / divFactor;
        group.maxLr = maxLrs[i];
        group.minLr = (group.initialLr as number) / finalDivFactor;
      });
    }
    this.cycleMomentum = options.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      const defaults = optimizer.defaults as object;
      if (!('momentum' in defaults) && !('betas' in defaults)) {
        throw new Error('optimizer must support momentum with `cycle_momentum` option enabled');
      }
      this.useBeta1 = 'betas' in defaults;
      const maxMomentums = perGroup('max_momentum', groups, options.maxMomentum ?? 0.95);
      const baseMomentums = perGroup('base_momentum', groups, options.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((group, i) => {
          setMomentum(group, this.useBeta1, maxMomentums[i]);
          group.maxMomentum = maxMomentums[i];
          group.baseMomentum = baseMomentums[i];
        });
      }
    }
    this.init(lastEpoch);
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + (start - end) / 2.0 * cosOut;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    return this.optimizer.paramGroups.map((group) => {
      let startStep = 0;
      let lr = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const p = this.phases[i];
        if (stepNum <= p.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (p.endStep - startStep);
          lr = this.anneal(group[p.startLr] as number, group[p.endLr] as number, pct);
          if (this.cycleMomentum) {
            setMomentum(group, this.useBeta1, this.anneal(group[p.startMomentum] as number, group[p.endMomentum] as number, pct));
          }
          break;
        }
        startStep = p.endStep;
      }
      return lr;
    });
  }

  protected override stateFields(): Record<string, StateField> {
    const fields: Record<string, StateField> = {
      total_steps: field(this, 'totalSteps'),
      _schedule_phases: {
        // Phases name group keys: PyTorch's snake_case names in the state dict.
        get: () => this.phases.map((p) => renamePhase(p, toSnake)),
        set: (v) => {
          this.phases = (v as Record<string, unknown>[]).map((p) => renamePhase(p, toCamel) as unknown as Phase);
        },
      },
      // PyTorch saves a bound method here; antorcha saves the strategy's name.
      anneal_func: {
        get: () => this.annealStrategy,
        set: (v) => {
          if (v === 'cos' || v === 'linear') this.annealStrategy = v;
        },
      },
      cycle_momentum: field(this, 'cycleMomentum'),
    };
    if (this.cycleMomentum) fields.use_beta1 = field(this, 'useBeta1');
    return { ...fields, ...super.stateFields() };
  }
}

/** A phase with its keys and its group-key values renamed (camelCase ↔ PyTorch's snake_case). */
function renamePhase(p: object, rename: (name: string) => string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [rename(k), typeof v === 'string' ? rename(v) : v]));
}

function phase(endStep: number, startLr: string, endLr: string, startMomentum: string, endMomentum: string): Phase {
  return { endStep, startLr, endLr, startMomentum, endMomentum };
}

/** One value per group, from a scalar or a list (PyTorch's _format_param). */
function perGroup(name: string, groups: ParamGroup[], value: number | number[]): number[] {
  if (!Array.isArray(value)) return groups.map(() => value);
  if (value.length !== groups.length) throw new RangeError(`expected ${groups.length} values for ${name}, got ${value.length}`);
  return value.slice();
}

function setMomentum(group: ParamGroup, useBeta1: boolean, momentum: number): void {
  if (useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
  else group.momentum = momentum;
}

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
