/** Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_), in place on `.grad`. */
import { Tensor } from '../../tensor.js';
import { tensor } from '../../ops/creation.js';
import { stack } from '../../ops/indexing.js';
import { noGrad } from '../../autograd/grad_mode.js';

function withGrads(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : Array.from(parameters);
  return list.filter((p) => p.grad !== null);
}

/**
 * Scales the gradients so that their joint norm (the norm of the per-parameter norms) is at most maxNorm,
 * as PyTorch 1.13: coefficient maxNorm / (total + 1e-6), clamped to 1, applied to every gradient. Returns
 * the total norm before clipping (a 0-d float32 tensor). With a GradScaler, call scaler.unscale_ first.
 *
 * @example
 * const total = nn.utils.clipGradNorm_(model.parameters(), 1.0);
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType: number = 2,
  options: { errorIfNonfinite?: boolean } = {},
): Tensor {
  const params = withGrads(parameters);
  if (params.length === 0) return tensor(0);
  return noGrad(() => {
    let total: Tensor;
    if (normType === Infinity) {
      const norms = params.map((p) => p.grad!.abs().amax());
      total = norms.length === 1 ? norms[0] : stack(norms).amax();
    } else {
      total = stack(params.map((p) => p.grad!.norm(normType))).norm(normType);
    }
    const value = total.item();
    if (options.errorIfNonfinite && !Number.isFinite(value)) {
      throw new Error(`The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`error_if_nonfinite=False\``);
    }
    // float32 arithmetic, as PyTorch's max_norm / (total_norm + 1e-6) on a float32 tensor.
    const coef = Math.fround(Math.fround(maxNorm) / Math.fround(value + Math.fround(1e-6)));
    const clamped = Number.isNaN(coef) ? coef : Math.min(coef, 1.0);
    for (const p of params) p.grad!.mul_(clamped);
    return total;
  });
}

/**
 * Clamps every gradient element to [-clipValue, clipValue].
 *
 * @example
 * nn.utils.clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  noGrad(() => {
    for (const p of withGrads(parameters)) p.grad!.clamp_(-clipValue, clipValue);
  });
}
