/**
 * Dropout: zeroes elements (or whole channels) with probability p while training and scales the rest by
 * 1 / (1 - p). The mask is drawn from torch.rand; it is not PyTorch's bernoulli stream.
 */
import type { Tensor } from '../../tensor.js';
import { rand } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { warnOnce } from '../utils.js';

export interface DropoutOptions {
  /** Apply dropout (true) or return the input (false). Default true, as F.dropout. */
  training?: boolean;
  inplace?: boolean;
}

function checkP(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
}

/** x * mask / (1 - p), the mask shaped `noiseShape` and broadcast over x. */
function applyNoise(x: Tensor, p: number, noiseShape: number[], inplace: boolean): Tensor {
  if (p === 0 || x.numel() === 0) return x;
  const noise = noGrad(() => {
    if (p === 1) return rand(noiseShape).mul(0).to(x.dtype);
    return rand(noiseShape).lt(1 - p).to(x.dtype).div(1 - p);
  });
  return inplace ? x.mul_(noise) : x.mul(noise);
}

/**
 * Elementwise dropout.
 *
 * @example
 * const y = F.dropout(x, 0.5, { training: model.training });
 */
export function dropout(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  checkP(p);
  if (!(options.training ?? true)) return x;
  return applyNoise(x, p, x.shape.slice(), options.inplace ?? false);
}

/** Channel dropout over [N, C, ...]: one draw per (n, c) (PyTorch's feature_dropout). */
function featureDropout(x: Tensor, p: number, options: DropoutOptions): Tensor {
  if (!(options.training ?? true)) return x;
  const noiseShape = x.shape.map((s, i) => (i < 2 ? s : 1));
  return applyNoise(x, p, noiseShape, options.inplace ?? false);
}

/**
 * Zeroes whole channels of [N, C, L] (or unbatched [C, L]) inputs.
 *
 * @example
 * F.dropout1d(x, 0.2, { training: true });
 */
export function dropout1d(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  checkP(p);
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new RangeError(`dropout1d: Expected 2D or 3D input, but received a ${x.ndim}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`);
  }
  if (x.ndim === 3) return featureDropout(x, p, options);
  const out = featureDropout(x.unsqueeze(0), p, { ...options, inplace: false });
  return options.inplace ? x.copy_(out.squeeze(0)) : out.squeeze(0);
}

/**
 * Zeroes whole channels of [N, C, H, W] inputs. As in PyTorch, a 3-D input is read as [N, C, L] (with a
 * warning), not as an unbatched image.
 *
 * @example
 * F.dropout2d(x, 0.1, { training: true });
 */
export function dropout2d(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  checkP(p);
  if (x.ndim !== 3 && x.ndim !== 4) {
    warnOnce(`dropout2d: Received a ${x.ndim}-D input to dropout2d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).`);
  }
  if (x.ndim === 3) {
    warnOnce('dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change in a future release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.');
  }
  if (x.ndim < 2) throw new RangeError(`Feature dropout requires at least 2 dimensions in the input`);
  return featureDropout(x, p, options);
}
