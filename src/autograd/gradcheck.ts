/** Numerical gradient checking in float64 (torch.autograd.gradcheck). */
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad_mode.js';
import { grad } from './engine.js';
import { tidy } from '../memory/scope.js';
import { arange } from '../ops/creation.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Compares the analytical gradient of sum(fn(inputs) * w) (w fixed, random) with central finite differences
 * in float64; throws with the first mismatch, returns true otherwise. Inputs that require grad must be float64;
 * the others (indices, masks) are held fixed.
 *
 * @example
 * const x = torch.randn([3], { dtype: 'float64', requiresGrad: true });
 * torch.autograd.gradcheck((t) => t.exp(), [x]);
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): boolean {
  const eps = options.eps ?? 1e-6, atol = options.atol ?? 1e-5, rtol = options.rtol ?? 1e-3;
  for (const x of inputs) {
    if (x.requiresGrad && x.dtype !== 'float64' && x.dtype !== 'float32') {
      throw new TypeError(`gradcheck: inputs that require grad must be float64 (or float32 for float32-only ops), got ${x.dtype}`);
    }
  }
  return tidy(() => {
    const probe = fn(...inputs);
    // Fixed weights 1, 2, 3, ... turn any output into a scalar while keeping every entry's contribution distinct.
    const w = noGrad(() => arange(1, probe.numel() + 1, 1, { dtype: 'float64' }).view(probe.shape));
    // The projection runs in float64 even for float32 outputs, so only the perturbed outputs' own rounding
    // enters the finite difference.
    const scalar = (out: Tensor) => out.to('float64').mul(w).sum();
    const active = inputs.filter((x) => x.requiresGrad);
    const analytic = grad(scalar(probe), active, { allowUnused: true });
    active.forEach((x, i) => {
      const a = analytic[i]?.dataSync() as Float64Array | undefined;
      const n = x.numel();
      for (let j = 0; j < n; j++) {
        const numeric = noGrad(() => {
          const base = x.contiguous().view(-1);
          const original = base.select(0, j).item();
          const perturb = (v: number) => {
            const y = x.detach().clone();
            y.view(-1).select(0, j).fill_(v);
            return inputs.map((t) => (t === x ? y : t.detach()));
          };
          const up = scalar(fn(...perturb(original + eps))).item();
          const down = scalar(fn(...perturb(original - eps))).item();
          return (up - down) / (2 * eps);
        });
        const got = a ? a[j] : 0;
        if (!(Math.abs(got - numeric) <= atol + rtol * Math.abs(numeric))) {
          throw new Error(`gradcheck: Jacobian mismatch for input ${i} at element ${j}: analytical ${got}, numerical ${numeric}`);
        }
      }
    });
    return true;
  });
}
