/** AdamW, as torch.optim.AdamW: Adam with weight decay applied to the parameters, not to the gradient. */
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { adamDefaults, adamUpdate, type AdamOptions } from './adam.js';

export type AdamWOptions = AdamOptions;

/**
 * AdamW (Loshchilov & Hutter): each step first shrinks the parameters by `lr * weightDecay` (default 1e-2),
 * then takes an Adam step on the raw gradient.
 *
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.05 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class AdamW extends Optimizer<AdamWOptions> {
  constructor(params: Params<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    super(params, adamDefaults(options, 1e-2));
  }

  protected updateGroup(group: ParamGroup<AdamWOptions>): void {
    adamUpdate(group, (p) => this.stateOf(p), true);
  }
}
