/** OneCycleLR: the 1cycle policy with cosine or linear annealing and cycled momentum. */
import { LRScheduler, field, type AnyOptimizer, type SchedulerOptions, type StateField } from './base.js';
import type { ParamGroup } from '../optimizer.js';
import { toCamel, toSnake } from '../names.js';

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

