/**
 * Parameters. PyTorch makes a Parameter a Tensor subclass; antorcha marks the tensor instead, because every
 * op would have to carry the subclass through. The rule is simple and does not depend on requiresGrad:
 * a parameter is a tensor marked by `nn.Parameter(...)`. Freezing one (`p.requiresGrad = false`) keeps it a
 * parameter (it stays in parameters() and stateDict()); a plain tensor property is an ordinary attribute,
 * as in PyTorch.
 */
import { Tensor } from '../tensor.js';
import { keep } from '../memory/scope.js';
import { empty } from '../ops/creation.js';
import { isFloating } from '../dtype.js';

const marked = new WeakSet<Tensor>();

/**
 * Marks `data` as a module parameter: a leaf that requires grad (unless `requiresGrad` is false) and that no
 * memory scope disposes (the module owns it). Returns the marked tensor (data itself when it is a leaf,
 * otherwise a detached view of it, as PyTorch's Parameter(data) shares data's storage).
 *
 * @example
 * class Scale extends nn.Module {
 *   weight = nn.Parameter(torch.ones(3));
 *   forward(x: Tensor) { return x.mul(this.weight); }
 * }
 */
export function Parameter(data?: Tensor | null, requiresGrad = true): Tensor {
  let t = data ?? empty([0]);
  if (!(t instanceof Tensor)) throw new TypeError(`Parameter expects a Tensor, got ${typeof t}`);
  if (!t.isLeaf) t = t.detach();
  if (requiresGrad && !isFloating(t.dtype)) {
    throw new TypeError(`Only Tensors of floating point and complex dtype can require gradients (got ${t.dtype})`);
  }
  t.requiresGrad_(requiresGrad);
  marked.add(keep(t));
  return t;
}

/** True when `value` was marked by nn.Parameter. */
export function isParameter(value: unknown): boolean {
  return value instanceof Tensor && marked.has(value);
}
