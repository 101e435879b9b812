/** F.linear and F.embedding. */
import type { Tensor } from '../../tensor.js';
import { linear as linearOp } from '../../ops/linalg.js';
import { cSize } from '../utils.js';

/**
 * y = x Wᵀ + b over the last dim of x.
 *
 * @example
 * F.linear(x, weight, bias); // x [N, in], weight [out, in] → [N, out]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new RangeError(`linear: expected a 2-D weight [out_features, in_features], got ${cSize(weight.shape)}`);
  return linearOp(x, weight, bias);
}

/**
 * Looks up rows of `weight` by int64 indices: the output is [...input.shape, embeddingDim]. The row at
 * paddingIdx receives no gradient, as in PyTorch.
 *
 * @example
 * F.embedding(torch.tensor([[0, 2], [1, 1]]), weight); // [2, 2, D]
 */
export function embedding(input: Tensor, weight: Tensor, options: { paddingIdx?: number | null } = {}): Tensor {
  if (input.dtype !== 'int64' && input.dtype !== 'int32') {
    throw new TypeError(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${input.dtype} instead (while checking arguments for embedding)`);
  }
  if (weight.ndim !== 2) throw new RangeError("'weight' must be 2-D");
  const n = weight.shape[0];
  const flat = input.reshape([-1]);
  if (flat.numel() > 0 && (flat.lt(0).logicalOr(flat.ge(n)).any().item())) throw new RangeError('index out of range in self');
  const rows = weight.indexSelect(0, flat.to('int64')).reshape([...input.shape, weight.shape[1]]);
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx === null) return rows;
  if (paddingIdx < 0) paddingIdx += n;
  // Same values; the gradient flows only through the rows that are not padding.
  return rows.where(input.ne(paddingIdx).unsqueeze(-1), rows.detach());
}
