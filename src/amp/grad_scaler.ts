/**
 * GradScaler: PyTorch's dynamic loss scaling (torch.amp.GradScaler). The loss is multiplied by the scale
 * before backward, so small 16-bit gradients do not flush to zero; `step` divides the gradients back and
 * skips the optimizer step when any of them is inf or NaN; `update` halves the scale after a skipped step
 * and doubles it after `growthInterval` clean steps in a row. The scale and the growth tracker are plain
 * numbers (PyTorch keeps them in one-element device tensors so that CUDA never waits for the host); the
 * scale is held as a float32 value and updated with PyTorch's kernel rule.
 */
import { Tensor } from '../tensor.js';
import { full } from '../ops/creation.js';
import { noGrad } from '../autograd/grad_mode.js';
import { tidy } from '../memory/scope.js';
import type { Optimizer } from '../optim/optimizer.js';

export interface GradScalerOptions {
  /** Initial scale factor. Default 2 ** 16. */
  initScale?: number;
  /** Factor the scale grows by after growthInterval steps without inf/NaN gradients. Default 2. */
  growthFactor?: number;
  /** Factor the scale shrinks by after a step with inf/NaN gradients. Default 0.5. */
  backoffFactor?: number;
  /** Consecutive clean steps before the scale grows. Default 2000. */
  growthInterval?: number;
  /** false makes every method a pass-through (step just calls optimizer.step()). Default true. */
  enabled?: boolean;
}

/** GradScaler's state dict, with PyTorch's keys (empty for a disabled scaler). */
export interface GradScalerStateDict {
  scale?: number;
  growth_factor?: number;
  backoff_factor?: number;
  growth_interval?: number;
  _growth_tracker?: number;
}

type Stage = 'ready' | 'unscaled' | 'stepped';
interface OptimizerState {
  stage: Stage;
  /** Whether unscale_ found an inf or NaN; undefined until it ran. */
  foundInf: boolean | undefined;
}

/** Nested tensors, as scale() accepts them (a loss, or several outputs). */
export type Scalable = Tensor | Scalable[];

const fix = 'This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration.';

/**
 * Dynamic loss scaling, as torch.amp.GradScaler (PyTorch 1.13's algorithm; it also runs on the CPU here).
 *
 * @example
 * const scaler = new torch.amp.GradScaler();
 * scaler.scale(loss).backward();
 * scaler.unscale_(optimizer);                       // optional: to clip or inspect true gradients
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * scaler.step(optimizer);                           // skipped if a gradient is inf/NaN
 * scaler.update();
 */
export class GradScaler {
  private readonly enabled: boolean;
  private initScale: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private initGrowthTracker = 0;
  /** null until the first scale() (PyTorch creates its scale tensor lazily). */
  private scaleValue: number | null = null;
  private growthTracker: number | null = null;
  private perOptimizer = new Map<Optimizer, OptimizerState>();

  constructor(options: GradScalerOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.initScale = options.initScale ?? 2 ** 16;
    this.growthFactor = options.growthFactor ?? 2.0;
    this.backoffFactor = options.backoffFactor ?? 0.5;
    this.growthInterval = options.growthInterval ?? 2000;
    if (this.enabled) {
      if (!(this.growthFactor > 1.0)) throw new RangeError('The growth factor must be > 1.0.');
      if (!(this.backoffFactor < 1.0)) throw new RangeError('The backoff factor must be < 1.0.');
    }
  }

  private stateOf(optimizer: Optimizer): OptimizerState {
    let s = this.perOptimizer.get(optimizer);
    if (s === undefined) {
      s = { stage: 'ready', foundInf: undefined };
      this.perOptimizer.set(optimizer, s);
    }
    return s;
  }

  private checkScale(funcname: string): number {
    if (this.scaleValue === null) throw new Error(`Attempted ${funcname} but _scale is None.  ${fix}`);
    return this.scaleValue;
  }

  /**
   * Multiplies a tensor (or nested arrays of tensors) by the scale: the product with PyTorch's one-element
   * float32 scale tensor, so a 0-d loss becomes a [1] float32 tensor as in PyTorch. Disabled: returned as is.
   */
  scale<T extends Scalable>(outputs: T): T {
    if (!this.enabled) return outputs;
    if (this.scaleValue === null) {
      this.scaleValue = Math.fround(this.initScale);
      this.growthTracker = this.initGrowthTracker;
    }
    const apply = (value: Scalable): Scalable => {
      if (value instanceof Tensor) {
        const s = full([1], this.scaleValue!, { dtype: 'float32' });
        const out = value.mul(s);
        s.dispose();
        return out;
      }
      if (Array.isArray(value)) return value.map(apply);
      throw new TypeError('outputs must be a Tensor or an iterable of Tensors');
    };
    return apply(outputs) as T;
  }

  /**
   * Divides the optimizer's gradients by the scale in place and records whether any was inf or NaN. Call it
   * before clipping or inspecting gradients; at most once per optimizer between update() calls.
   */
  unscale_(optimizer: Optimizer): void {
    if (!this.enabled) return;
    const scale = this.checkScale('unscale_');
    const state = this.stateOf(optimizer);
    if (state.stage === 'unscaled') throw new Error('unscale_() has already been called on this optimizer since the last update().');
    if (state.stage === 'stepped') throw new Error('unscale_() is being called after step().');
    // PyTorch: scale.double().reciprocal().float()
    const invScale = Math.fround(1 / scale);
    state.foundInf = unscaleGrads(optimizer, invScale);
    state.stage = 'unscaled';
  }

  /**
   * Unscales the gradients (unless unscale_ already did) and runs optimizer.step(...args), unless a gradient
   * was inf or NaN: then the step is skipped and the parameters and optimizer state stay as they were.
   * Returns what optimizer.step returned, or undefined when skipped. A closure is refused, as in PyTorch.
   */
  step<T = unknown>(optimizer: Optimizer, ...args: unknown[]): T | undefined {
    if (!this.enabled) return (optimizer.step as (...a: unknown[]) => T | undefined)(...args);
    if (args.some((a) => typeof a === 'function')) {
      throw new Error('Closure use is not currently supported if GradScaler is enabled.');
    }
    this.checkScale('step');
    const state = this.stateOf(optimizer);
    if (state.stage === 'stepped') throw new Error('step() has already been called since the last update().');
    if (state.stage === 'ready') this.unscale_(optimizer);
    if (state.foundInf === undefined) throw new Error('No inf checks were recorded for this optimizer.');
    let result: T | undefined;
    if (!state.foundInf) result = (optimizer.step as (...a: unknown[]) => T | undefined)(...args);
    state.stage = 'stepped';
    return result;
  }

  /**
   * Updates the scale: times backoffFactor if any optimizer's step was skipped since the last update, times
   * growthFactor after growthInterval clean steps in a row (never to infinity); or sets it to newScale.
   */
  update(newScale?: number | Tensor): void {
    if (!this.enabled) return;
    let scale = this.checkScale('update');
    let tracker = this.growthTracker!;
    if (newScale !== undefined) {
      if (newScale instanceof Tensor) {
        const reason = 'new_scale should be a float or a 1-element torch.FloatTensor with requires_grad=False.';
        if (newScale.dtype !== 'float32' || newScale.numel() !== 1 || newScale.requiresGrad) throw new TypeError(reason);
        scale = Math.fround(newScale.item());
      } else {
        scale = Math.fround(newScale);
      }
    } else {
      const found = [...this.perOptimizer.values()].filter((s) => s.foundInf !== undefined);
      if (found.length === 0) throw new Error('No inf checks were recorded prior to update.');
      const foundInf = found.some((s) => s.foundInf);
      // PyTorch 1.13's _amp_update_scale_ kernel (float scale times a double factor, stored as float).
      if (foundInf) {
        scale = Math.fround(scale * this.backoffFactor);
        tracker = 0;
      } else {
        const successful = tracker + 1;
        if (successful === this.growthInterval) {
          const grown = Math.fround(scale * this.growthFactor);
          if (Number.isFinite(grown)) scale = grown;
          tracker = 0;
        } else {
          tracker = successful;
        }
      }
    }
    this.scaleValue = scale;
    this.growthTracker = tracker;
    this.perOptimizer = new Map();
  }

  /** The current scale (the initial one before the first scale(); 1 when disabled). */
  getScale(): number {
    if (!this.enabled) return 1.0;
    return this.scaleValue ?? this.initScale;
  }
  getGrowthFactor(): number { return this.growthFactor; }
  setGrowthFactor(factor: number): void { this.growthFactor = factor; }
  getBackoffFactor(): number { return this.backoffFactor; }
  setBackoffFactor(factor: number): void { this.backoffFactor = factor; }
  getGrowthInterval(): number { return this.growthInterval; }
  setGrowthInterval(interval: number): void { this.growthInterval = interval; }
  isEnabled(): boolean { return this.enabled; }

  /** @internal Consecutive clean steps counted towards growth (PyTorch's _get_growth_tracker). */
  getGrowthTracker(): number {
    if (!this.enabled) return 0;
    return this.growthTracker ?? this.initGrowthTracker;
  }

  /** scale, growth_factor, backoff_factor, growth_interval and _growth_tracker; {} when disabled. */
  stateDict(): GradScalerStateDict {
    if (!this.enabled) return {};
    return {
      scale: this.getScale(),
      growth_factor: this.growthFactor,
      backoff_factor: this.backoffFactor,
      growth_interval: this.growthInterval,
      _growth_tracker: this.getGrowthTracker(),
    };
  }

  /** Loads a state dict from stateDict() (or PyTorch's scaler.state_dict()); a no-op when disabled. */
  loadStateDict(stateDict: GradScalerStateDict): void {
    if (!this.enabled) return;
    if (Object.keys(stateDict).length === 0) {
      throw new Error('The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.');
    }
    for (const key of ['scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'] as const) {
      if (typeof stateDict[key] !== 'number') throw new TypeError(`GradScaler state dict: '${key}' must be a number`);
    }
    this.initScale = stateDict.scale!;
    if (this.scaleValue !== null) this.scaleValue = Math.fround(stateDict.scale!);
    this.growthFactor = stateDict.growth_factor!;
    this.backoffFactor = stateDict.backoff_factor!;
    this.growthInterval = stateDict.growth_interval!;
    this.initGrowthTracker = stateDict._growth_tracker!;
    if (this.growthTracker !== null) this.growthTracker = stateDict._growth_tracker!;
  }
}

/**
 * PyTorch's _amp_foreach_non_finite_check_and_unscale_: every gradient of the optimizer is multiplied in
 * place by invScale (left alone when it is 1); returns whether any element was inf or NaN.
 */
function unscaleGrads(optimizer: Optimizer, invScale: number): boolean {
  let foundInf = false;
  tidy(() =>
    noGrad(() => {
      for (const group of optimizer.paramGroups) {
        for (const param of group.params) {
          const grad = param.grad;
          if (grad === null) continue;
          if (grad.dtype === 'float16') throw new Error('Attempting to unscale FP16 gradients.');
          // 0 * x is NaN exactly where x is inf or NaN, so the sum is NaN iff some element is not finite.
          if (!foundInf && Number.isNaN(grad.mul(0).sum().item())) foundInf = true;
          if (invScale !== 1) grad.mul_(invScale);
        }
      }
    }),
  );
  return foundInf;
}
