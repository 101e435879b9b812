/** RMSprop, as torch.optim.RMSprop (PyTorch 1.13's single-tensor form). */
import type { Tensor } from '../tensor.js';
import { keep } from '../memory/scope.js';
import { zerosLike } from '../ops/creation.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

export interface RMSpropOptions extends OptimizerOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance instead of the uncentered second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * RMSprop (Hinton), optionally centered and with momentum. The state's `step` is a plain number, as in
 * PyTorch 1.13's state dicts.
 *
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    const d: RMSpropOptions = {
      lr: options.lr ?? 1e-2,
      momentum: options.momentum ?? 0,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      centered: options.centered ?? false,
      weightDecay: options.weightDecay ?? 0,
      maximize: options.maximize ?? false,
    };
    if (!(d.lr >= 0)) throw new RangeError(`Invalid learning rate: ${d.lr}`);
    if (!(d.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${d.eps}`);
    if (!(d.momentum >= 0)) throw new RangeError(`Invalid momentum value: ${d.momentum}`);
    if (!(d.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${d.weightDecay}`);
    if (!(d.alpha >= 0)) throw new RangeError(`Invalid alpha value: ${d.alpha}`);
    super(params, d);
  }

  protected updateGroup(group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (Object.keys(state).length === 0) {
        state.step = 0;
        state.squareAvg = keep(zerosLike(param));
        if (momentum > 0) state.momentumBuffer = keep(zerosLike(param));
        if (centered) state.gradAvg = keep(zerosLike(param));
      }
      state.step = (state.step as number) + 1;

      let grad: Tensor = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
      const squareAvg = state.squareAvg as Tensor;
      squareAvg.mul_(alpha).addcmul_(grad, grad, { value: 1 - alpha });

      let avg: Tensor;
      if (centered) {
        // Created here too when an option is switched on after the first step (PyTorch would fail).
        const gradAvg = (state.gradAvg as Tensor | undefined) ?? (state.gradAvg = keep(zerosLike(param)));
        gradAvg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
        avg = squareAvg.clone().addcmul_(gradAvg, gradAvg, { value: -1 }).sqrt_();
      } else {
        avg = squareAvg.sqrt();
      }
      avg.add_(eps);

      if (momentum > 0) {
        const buf = (state.momentumBuffer as Tensor | null | undefined) ?? (state.momentumBuffer = keep(zerosLike(param)));
        buf.mul_(momentum).addcdiv_(grad, avg);
        param.add_(buf, { alpha: -lr });
      } else {
        param.addcdiv_(grad, avg, { value: -lr });
      }
    }
  }
}
