/**
 * Stochastic depth (Huang et al., "Deep Networks with Stochastic Depth", 2016): torchvision.ops.stochastic_depth.
 * Drops whole residual branches at random while training.
 */
import type { Tensor } from '../../tensor.js';
import { rand } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';

export type StochasticDepthMode = 'row' | 'batch';

/**
 * Zeroes the input with probability p, per sample ('row': one draw for each index of dim 0) or for the
 * whole batch ('batch'), scaling what survives by 1 / (1 - p); the identity when not training or p = 0.
 *
 * @example
 * const y = F.stochasticDepth(branch, 0.2, 'row', model.training).add(shortcut);
 */
export function stochasticDepth(input: Tensor, p: number, mode: StochasticDepthMode, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`drop probability has to be between 0 and 1, but got ${p}`);
  if (mode !== 'row' && mode !== 'batch') throw new RangeError(`mode has to be either 'batch' or 'row', but got ${mode}`);
  if (!training || p === 0) return input;
  const survival = 1 - p;
  const size = mode === 'row' ? [input.shape[0], ...input.shape.slice(1).map(() => 1)] : input.shape.map(() => 1);
  const noise = noGrad(() => {
    const keep = rand(size).lt(survival).to(input.dtype);
    return survival > 0 ? keep.div(survival) : keep;
  });
  return input.mul(noise);
}
