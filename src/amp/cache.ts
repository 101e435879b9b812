/**
 * The autocast weight cache: low-precision copies of float32 leaf tensors that require grad (model weights),
 * made once per autocast region instead of at every use, as PyTorch's cached_cast. An entry remembers the
 * weight's version counter: an in-place write (the optimizer's step, loadStateDict) makes it stale, and the
 * next use casts afresh. The copies are recorded casts, so gradients flow back to the float32 weight.
 */
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { keep } from '../memory/scope.js';
import { toDType } from '../ops/views.js';
import { isGradEnabled } from '../autograd/grad_mode.js';

interface Entry {
  version: number;
  copy: Tensor;
}

const cache = new Map<Tensor, Entry>();

/** Whether `t` is a weight whose low-precision copy the cache keeps (PyTorch's can_try_cache). */
export function isCacheable(t: Tensor): boolean {
  return t.dtype === 'float32' && t.requiresGrad && t.isLeaf;
}

/** The cached `dtype` copy of weight `t`, made (and kept until the region ends) when missing or stale. */
export function cachedCast(t: Tensor, dtype: DType): Tensor {
  const entry = cache.get(t);
  const version = t.version;
  // A copy made under noGrad has no history; with recording on it would cut the weight out of the graph.
  if (entry && entry.version === version && !entry.copy.isDisposed && entry.copy.dtype === dtype &&
      (entry.copy.requiresGrad || !isGradEnabled())) {
    return entry.copy;
  }
  entry?.copy.dispose();
  const copy = keep(toDType(t, dtype));
  cache.set(t, { version, copy });
  return copy;
}

/** Disposes every cached copy (graphs that used them keep what they saved). */
export function clearCastCache(): void {
  for (const { copy } of cache.values()) copy.dispose();
  cache.clear();
}

/** @internal Number of cached copies (for tests). */
export function castCacheSize(): number {
  return cache.size;
}
