/** Stochastic gradient descent with momentum, as torch.optim.SGD (PyTorch 1.13's single-tensor form). */
import type { Tensor } from '../tensor.js';
import { keep } from '../memory/scope.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  /** Learning rate; required, here or in every group. */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false); needs momentum > 0 and zero dampening. */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * SGD, optionally with momentum, Nesterov momentum and weight decay. The momentum buffer starts as the first
 * gradient (PyTorch's convention: `buf = momentum * buf + (1 - dampening) * g`, `p -= lr * buf`).
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const defaults: SGDOptions = {
      // undefined marks lr as required in every group (PyTorch's `required`).
      lr: options.lr as number,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    };
    if (defaults.lr !== undefined && defaults.lr < 0) throw new RangeError(`Invalid learning rate: ${defaults.lr}`);
    if (defaults.momentum < 0) throw new RangeError(`Invalid momentum value: ${defaults.momentum}`);
    if (defaults.weightDecay < 0) throw new RangeError(`Invalid weight_decay value: ${defaults.weightDecay}`);
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
    }
    super(params, defaults);
  }

  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      let dP: Tensor = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) dP = dP.add(param, { alpha: weightDecay });
      if (momentum !== 0) {
        let buf = state.momentumBuffer as Tensor | null | undefined;
        if (!buf) {
          // PyTorch's clone(d_p).detach(); under noGrad the clone records no graph.
          buf = keep(dP.clone());
          state.momentumBuffer = buf;
        } else {
          buf.mul_(momentum).add_(dP, { alpha: 1 - dampening });
        }
        dP = nesterov ? dP.add(buf, { alpha: momentum }) : buf;
      } else if (!('momentumBuffer' in state)) {
        // PyTorch records an absent buffer as None, so state dicts have the same keys.
        state.momentumBuffer = null;
      }
      param.add_(dP, { alpha: -lr });
    }
  }
}
