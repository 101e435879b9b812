/** Shape and stride arithmetic: everything about a view that needs no native call. */

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Wraps a possibly negative dim into [0, ndim); `ndim` 0 accepts -1 and 0 as PyTorch does. */
export function normalizeDim(dim: number, ndim: number, op = 'dim'): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** torch.broadcast_shapes; `op` names the operation in the error. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op = 'broadcast'): number[] {
  if (sameShape(a, b)) return a.slice();
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
    const db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i} ` +
          `(shapes ${formatShape(a)} and ${formatShape(b)} are not broadcastable)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that view `shape` as `target` by broadcasting (stride 0 on expanded dims), or null if impossible. */
export function expandStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] | null {
  const lead = target.length - shape.length;
  if (lead < 0) return null;
  const out = new Array<number>(target.length);
  for (let i = 0; i < target.length; i++) {
    if (i < lead) {
      out[i] = 0;
      continue;
    }
    const s = shape[i - lead];
    if (s === target[i]) out[i] = strides[i - lead];
    else if (s === 1) out[i] = 0;
    else return null;
  }
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null when the memory layout does not
 * allow it (ATen's computeStride).
 */
export function viewStrides(shape: readonly number[], strides: readonly number[], newShape: readonly number[]): number[] | null {
  const numel = numelOf(shape);
  const out = new Array<number>(newShape.length);
  if (numel === 0) return sameShape(shape, newShape) ? strides.slice() : contiguousStrides(newShape);
  if (numel === 1 || shape.length === 0) return contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBase = strides.length > 0 ? strides[strides.length - 1] : 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/** Resolves one -1 in a requested shape against numel; `op` names the caller in errors. */
export function inferShape(requested: readonly number[], numel: number, from: readonly number[], op: string): number[] {
  let infer = -1, known = 1;
  for (let i = 0; i < requested.length; i++) {
    const s = requested[i];
    if (s === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be inferred`);
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new RangeError(`${op}: invalid shape dimension ${s}`);
    } else {
      known *= s;
    }
  }
  const out = requested.slice();
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new RangeError(`${op}: shape '${formatShape(requested)}' is invalid for input of size ${numel} (input shape ${formatShape(from)})`);
    }
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new RangeError(`${op}: shape '${formatShape(requested)}' is invalid for input of size ${numel} (input shape ${formatShape(from)})`);
  }
  return out;
}

/** Strides of the channels-last layout (NHWC in memory) for a 4-D [N, C, H, W] shape. */
export function channelsLastStrides(shape: readonly number[]): number[] {
  const [, c, h, w] = shape;
  return [h * w * c, 1, w * c, c];
}

/**
 * Strides with the same dim order as (shape, strides) for a fresh dense tensor, or null when that layout is
 * not a dense permutation (it has gaps, overlaps or broadcast dims). Lets elementwise results keep their
 * input's memory format, as PyTorch's TensorIterator does.
 */
export function denseLayoutLike(shape: readonly number[], strides: readonly number[]): number[] | null {
  const n = shape.length;
  const order = shape.map((_, i) => i).sort((a, b) => strides[b] - strides[a] || a - b);
  const out = new Array<number>(n);
  let expected = 1;
  for (let k = n - 1; k >= 0; k--) {
    const d = order[k];
    if (shape[d] !== 1 && strides[d] !== expected) return null;
    out[d] = expected;
    expected *= shape[d];
  }
  return out;
}
