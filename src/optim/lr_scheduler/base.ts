/** The scheduler base classes: state-dict plumbing and the chainable step of torch.optim.lr_scheduler. */
import type { Optimizer, OptimizerOptions } from '../optimizer.js';

export type AnyOptimizer = Optimizer<OptimizerOptions>;

/** How one state-dict entry is read from and written to a scheduler. */
export interface StateField {
  get(): unknown;
  set(value: unknown): void;
}

/** Copies arrays and plain objects, so a state dict never aliases a scheduler's own arrays. */
export function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepCopy(v)]));
  }
  return value;
}

/** A public field saved under PyTorch's name. */
export function field<T extends object, K extends keyof T & string>(obj: T, name: K): StateField {
  return {
    get: () => deepCopy(obj[name]),
    set: (value) => {
      obj[name] = deepCopy(value) as T[K];
    },
  };
}

/** A value PyTorch saves that antorcha does not use (verbose printing, a flag only true inside get_lr). */
export function constant(value: unknown): StateField {
  return { get: () => value, set: () => {} };
}

/** stateDict / loadStateDict over a table of PyTorch-named fields. */
export abstract class Stateful {
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
