/** F.pad: constant padding by concatenation, reflect / replicate / circular by index selection. */
import type { Tensor } from '../../tensor.js';
import { full, fromValues } from '../../ops/creation.js';
import { cat } from '../../ops/indexing.js';
import { autocastArgs, type AutocastOp } from '../../amp/policy.js';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

function padConstant(x: Tensor, dim: number, before: number, after: number, value: number): Tensor {
  let out = x;
  // Negative padding crops, as in PyTorch.
  if (before < 0) out = out.narrow(dim, -before, out.shape[dim] + before);
  if (after < 0) out = out.narrow(dim, 0, out.shape[dim] + after);
  const block = (n: number) => full(out.shape.map((s, i) => (i === dim ? n : s)), value, { dtype: x.dtype });
  const parts = [...(before > 0 ? [block(before)] : []), out, ...(after > 0 ? [block(after)] : [])];
  return parts.length === 1 ? out : cat(parts, dim);
}

function padIndexed(x: Tensor, dim: number, before: number, after: number, mode: Exclude<PadMode, 'constant'>): Tensor {
  const n = x.shape[dim];
  if (mode === 'reflect' && (before >= n || after >= n)) {
    throw new RangeError(`Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${before}, ${after}) at dimension ${dim} of input [${x.shape.join(', ')}]`);
  }
  if (mode === 'circular' && (before > n || after > n)) {
    throw new RangeError('Padding value causes wrapping around more than once.');
  }
  if (n === 0) throw new RangeError(`${mode} padding: expected a non-empty dimension ${dim} of input [${x.shape.join(', ')}]`);
  const index: number[] = [];
  for (let j = -before; j < n + after; j++) {
    if (mode === 'reflect') index.push(j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j);
    else if (mode === 'replicate') index.push(Math.min(Math.max(j, 0), n - 1));
    else index.push(((j % n) + n) % n);
  }
  return x.indexSelect(dim, fromValues(index, [index.length], 'int64'));
}

/** The ATen op PyTorch runs for a padding mode over n dims, where autocast has a policy for it. */
function paddingOp(mode: PadMode, n: number): AutocastOp | null {
  if (mode === 'reflect' && (n === 1 || n === 2)) return n === 1 ? 'reflection_pad1d' : 'reflection_pad2d';
  if (mode === 'replicate' && n >= 1 && n <= 3) return n === 1 ? 'replication_pad1d' : n === 2 ? 'replication_pad2d' : 'replication_pad3d';
  return null;
}

/**
 * Pads the last dims: `pad` lists (before, after) pairs starting from the last dim, as torch.nn.functional.pad.
 *
 * @example
 * F.pad(x, [1, 1, 2, 2]); // last dim +1 on each side, second-to-last +2
 * F.pad(x, [1, 1], 'reflect');
 */
export function pad(x: Tensor, padding: number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (padding.length % 2 !== 0) throw new RangeError('Padding length must be divisible by 2');
  if (padding.length / 2 > x.ndim) throw new RangeError('Padding length too large');
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) throw new RangeError(`Unrecognised padding mode ${mode}`);
  if (mode !== 'constant' && value !== 0) throw new RangeError(`Padding mode "${mode}" doesn't take in value argument`);
  const atenOp = paddingOp(mode, padding.length / 2);
  if (atenOp) [x] = autocastArgs(atenOp, [x]);
  let out = x;
  for (let i = 0; i < padding.length / 2; i++) {
    const dim = x.ndim - 1 - i;
    const [before, after] = [padding[2 * i], padding[2 * i + 1]];
    if (before === 0 && after === 0) continue;
    if (mode !== 'constant' && (before < 0 || after < 0)) throw new RangeError(`${mode} padding: negative padding is not supported`);
    out = mode === 'constant' ? padConstant(out, dim, before, after, value) : padIndexed(out, dim, before, after, mode);
  }
  return out;
}
