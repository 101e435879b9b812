/** Adam, as torch.optim.Adam (PyTorch 1.13's single-tensor form), and the update it shares with AdamW. */
import type { Tensor } from '../tensor.js';
import { keep } from '../memory/scope.js';
import { full, zerosLike } from '../ops/creation.js';
import * as k from '../backend/kernels.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type ParamState, type Params } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay rate (default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** @internal Fills Adam's or AdamW's defaults and validates them, with PyTorch's messages. */
export function adamDefaults(options: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  const d: AdamOptions = {
    lr: options.lr ?? 1e-3,
    betas: options.betas ? [options.betas[0], options.betas[1]] : [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    amsgrad: options.amsgrad ?? false,
    maximize: options.maximize ?? false,
  };
  if (!(d.lr >= 0)) throw new RangeError(`Invalid learning rate: ${d.lr}`);
  if (!(d.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${d.eps}`);
  if (!(d.betas[0] >= 0 && d.betas[0] < 1)) throw new RangeError(`Invalid beta parameter at index 0: ${d.betas[0]}`);
  if (!(d.betas[1] >= 0 && d.betas[1] < 1)) throw new RangeError(`Invalid beta parameter at index 1: ${d.betas[1]}`);
  if (!(d.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${d.weightDecay}`);
  return d;
}

/**
 * @internal One Adam (decoupled = false) or AdamW (decoupled = true) update of a group, formula for formula as PyTorch
 * 1.13's `_single_tensor_adam(w)`, so that results agree to float32 rounding.
 */
export function adamUpdate(group: ParamGroup<AdamOptions>, stateOf: (p: Tensor) => ParamState, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  for (const param of group.params) {
    if (param.grad === null) continue;
    const state = stateOf(param);
    if (Object.keys(state).length === 0) {
      // The step count is a float32 0-d tensor, as in PyTorch's state dicts.
      state.step = keep(full([], 0, { dtype: 'float32' }));
      state.expAvg = keep(zerosLike(param));
      state.expAvgSq = keep(zerosLike(param));
      if (amsgrad) state.maxExpAvgSq = keep(zerosLike(param));
    }
    const stepT = state.step as Tensor;
    const expAvg = state.expAvg as Tensor;
    const expAvgSq = state.expAvgSq as Tensor;
    // Created here too when amsgrad is switched on after the first step (PyTorch would fail).
    if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = keep(zerosLike(param));
    const maxExpAvgSq = amsgrad ? state.maxExpAvgSq as Tensor : null;
    stepT.add_(1);
    const step = stepT.item();
    const stepSize = lr / (1 - beta1 ** step);
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);

    if (fusable(param, [param.grad, expAvg, expAvgSq, maxExpAvgSq])) {
      k.adamStep(param, param.grad, expAvg, expAvgSq, maxExpAvgSq, {
        decoupled, maximize, decayFactor: 1 - lr * weightDecay, weightDecay, beta1, beta2, biasCorrection2Sqrt, eps, stepSize,
      });
      for (const t of [param, expAvg, expAvgSq, maxExpAvgSq]) if (t) t.storage.version++;
      continue;
    }
    let grad: Tensor = maximize ? param.grad.neg() : param.grad;
    if (decoupled) param.mul_(1 - lr * weightDecay);
    else if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });

    expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
    expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
    if (maxExpAvgSq) maxExpAvgSq.copy_(maxExpAvgSq.maximum(expAvgSq));
    const denom = (maxExpAvgSq ?? expAvgSq).sqrt().div(biasCorrection2Sqrt).add_(eps);
    param.addcdiv_(expAvg, denom, { value: -stepSize });
  }
}

/**
 * Whether one fused native pass can update `param` (cpu/optim.cc): float32 everywhere, each operand a
 * contiguous block of the parameter's size. Otherwise the update runs as separate tensor ops.
 */
function fusable(param: Tensor, others: (Tensor | null)[]): boolean {
  const ok = (t: Tensor) => t.dtype === 'float32' && t.device.type === 'cpu' && t.isContiguous() && t.numel() === param.numel();
  return ok(param) && others.every((t) => t === null || ok(t));
}

/**
 * Adam: adaptive moment estimation, with optional L2 weight decay and AMSGrad.
 *
 * @example
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults(options, 0));
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    adamUpdate(group, (p) => this.stateOf(p), false);
  }
}
