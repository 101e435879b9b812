/**
 * The CPU autocast op policy: PyTorch 1.13's AutocastCPU registrations for the ops antorcha has, by ATen
 * name. Each op with a policy calls `autocastArgs` once at its entry (ops/linalg.ts, nn/functional/conv.ts,
 * loss.ts, padding.ts, ops/reduce.ts, ops/indexing.ts); every other op runs in the dtypes it is given, with
 * the ordinary type promotion (bfloat16 + float32 gives float32). PyTorch 1.13 on the CPU keeps softmax,
 * normalisation, reductions, exp/log and RNN layers out of the table (they run in their input's dtype);
 * its CUDA table puts several of them in float32.
 */
import type { DType } from '../dtype.js';
import { promoteTypes } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { toDType } from '../ops/views.js';
import { cpuAutocast, isAutocastCacheEnabled } from './autocast_mode.js';
import { cachedCast, isCacheable } from './cache.js';

/**
 * - `lowerPrecisionFp`: floating inputs (except float64) are cast to the autocast dtype;
 * - `fp32`: floating inputs (except float64) are cast to float32;
 * - `promote`: floating inputs are cast to the widest dtype among them.
 */
export type CastPolicy = 'lowerPrecisionFp' | 'fp32' | 'promote';

export const cpuPolicy = {
  conv1d: 'lowerPrecisionFp',
  conv2d: 'lowerPrecisionFp',
  bmm: 'lowerPrecisionFp',
  mm: 'lowerPrecisionFp',
  linear: 'lowerPrecisionFp',
  matmul: 'lowerPrecisionFp',
  prod: 'fp32',
  reflection_pad1d: 'fp32',
  reflection_pad2d: 'fp32',
  replication_pad1d: 'fp32',
  replication_pad2d: 'fp32',
  replication_pad3d: 'fp32',
  mse_loss: 'fp32',
  nll_loss: 'fp32',
  nll_loss2d: 'fp32',
  smooth_l1_loss: 'fp32',
  cross_entropy_loss: 'fp32',
  l1_loss: 'fp32',
  huber_loss: 'fp32',
  binary_cross_entropy: 'fp32',
  binary_cross_entropy_with_logits: 'fp32',
  cat: 'promote',
  stack: 'promote',
} as const satisfies Record<string, CastPolicy>;

export type AutocastOp = keyof typeof cpuPolicy;

/** Floating tensors other than float64 take part in autocasting (PyTorch's is_eligible). */
function eligible(t: Tensor | null | undefined): t is Tensor {
  return !!t && (t.dtype === 'float32' || t.dtype === 'bfloat16' || t.dtype === 'float16');
}

function castTo(t: Tensor, dtype: DType, lower: boolean): Tensor {
  if (t.dtype === dtype) return t;
  if (lower && isAutocastCacheEnabled() && isCacheable(t)) return cachedCast(t, dtype);
  return toDType(t, dtype);
}

/**
 * The tensor arguments of `op`, cast as the active CPU autocast region's policy says; the same array when
 * autocast is off (the cost outside a region is one property read).
 *
 * @example
 * [x, weight, bias] = autocastArgs('linear', [x, weight, bias]);
 */
export function autocastArgs<T extends [] | (Tensor | null | undefined)[]>(op: AutocastOp, args: T): T {
  if (!cpuAutocast.enabled) return args;
  const policy: CastPolicy = cpuPolicy[op];
  let target: DType;
  if (policy === 'lowerPrecisionFp') target = cpuAutocast.dtype;
  else if (policy === 'fp32') target = 'float32';
  else {
    target = cpuAutocast.dtype;
    for (const t of args as (Tensor | null | undefined)[]) if (eligible(t)) target = promoteTypes(target, t.dtype);
  }
  const lower = policy === 'lowerPrecisionFp';
  return (args as (Tensor | null | undefined)[]).map((t) => (eligible(t) ? castTo(t, target, lower) : t)) as T;
}
