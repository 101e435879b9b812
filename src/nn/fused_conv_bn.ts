/**
 * Conv2d → BatchNorm2d (→ + shortcut) (→ ReLU), the unit every ResNet is built from, as one oneDNN convolution
 * when nothing needs a gradient and the batch norm uses its running statistics (eval mode). The batch norm is
 * folded into the convolution — w·γ/√(σ²+ε) and (b − μ)·γ/√(σ²+ε) + β — as inference engines do, and the
 * shortcut add and the ReLU run as post-ops on each output tile while it is in cache: three passes over the
 * activations fewer per block. Otherwise (training, gradients, replaced or subclassed layers) the layers run
 * one by one, exactly as written.
 *
 * Inside a CPU autocast region (bfloat16, on CPUs whose oneDNN computes it natively) the folded convolution runs
 * in bfloat16 with a float32 bias: the unfused chain would round to bfloat16 after the convolution, the batch
 * norm and the add; the folded one rounds its weights once and its result once.
 *
 * Folded weights are cached per convolution and rebuilt when any source tensor is replaced or written in place
 * (an optimizer step, `loadStateDict`, running statistics updated by a training forward).
 */
import type { Tensor } from '../tensor.js';
import { conv2dInference, packConvWeight } from '../ops/conv.js';
import { needsGrad } from '../ops/dispatch.js';
import { noGrad } from '../autograd/grad_mode.js';
import { dispose, keep, tidy } from '../memory/scope.js';
import type { Module } from './module.js';
import { Conv2d } from './modules/conv.js';
import { BatchNorm2d, BatchNormBase } from './modules/batchnorm.js';
import { ReLU } from './modules/activation.js';
import { MaxPool2d } from './modules/pooling.js';
import { cpuAutocast } from '../amp/autocast_mode.js';
import { hasNativeBfloat16 } from '../amp/native_support.js';
import { toDType } from '../ops/views.js';

/** What follows the batch norm: an optional shortcut added, then an optional ReLU, then an optional max pooling. */
export interface ConvBnTail {
  residual?: Tensor | null;
  relu?: Module | null;
  /** After the ReLU (no residual): fused into the batch norm when its windows tile the image. */
  maxPool?: Module | null;
}

interface Folded {
  sources: (Tensor | null)[];
  versions: number[];
  eps: number;
  weight: Tensor;
  bias: Tensor;
  /** The folded weight in bfloat16, made on first use under autocast. */
  weightBf16?: Tensor;
  /** The folded weight prepared for the native paths (packConvWeight; null where none takes it), made on first float32 use. */
  packed?: Tensor | null;
}

/** Frees conv's folded weights (their sources were disposed, or they are stale). */
function dropFolded(conv: Conv2d): void {
  const cached = foldedByConv.get(conv);
  if (!cached) return;
  foldedByConv.delete(conv);
  dispose([cached.weight, cached.bias, cached.weightBf16 ?? null, cached.packed ?? null]);
}

const foldedByConv = new WeakMap<Conv2d, Folded>();

/**
 * relu?(bn(conv(x)) + residual?), fused into one inference convolution when allowed (see the file comment).
 *
 * @example
 * model.eval();
 * const y = torch.noGrad(() => convBn(block.conv3, block.bn3, x, { residual: shortcut, relu: block.relu }));
 */
export function convBn(conv: Module, bn: Module, x: Tensor, tail: ConvBnTail = {}): Tensor {
  const residual = tail.residual ?? null, relu = tail.relu ?? null, pool = tail.maxPool ?? null;
  if (pool !== null) {
    if (residual !== null || relu === null) throw new Error('convBn: a max pooling follows a ReLU, without a residual');
    // Folded into the convolution (eval mode), the pooling follows it; else it joins the batch norm.
    if (canFuseConvBn(conv, bn, x, { relu })) return pool.forward(convBn(conv, bn, x, { relu })) as Tensor;
    return bnReluMaxPool(bn, relu, pool, conv.forward(x) as Tensor);
  }
  if (canFuseConvBn(conv, bn, x, tail)) {
    const folded = foldedFor(conv as Conv2d, bn as BatchNorm2d);
    const c = conv as Conv2d;
    const padding = c.padding === 'valid' ? [0, 0] : c.padding as number[];
    const geometry = {
      stride: c.stride as [number, number], padding: padding as [number, number],
      dilation: c.dilation as [number, number], groups: c.groups,
    };
    let weight = folded.weight, packedWeight: Tensor | null = null;
    if (cpuAutocast.enabled) {
      folded.weightBf16 ??= noGrad(() => keep(toDType(folded.weight, 'bfloat16')));
      weight = folded.weightBf16;
      if (x.dtype !== 'bfloat16') x = toDType(x, 'bfloat16');
    } else {
      folded.packed ??= noGrad(() => tidy(() => {
        const p = packConvWeight(folded.weight, geometry, { residual: residual !== null });
        return p && keep(p);
      }));
      packedWeight = folded.packed;
    }
    // Folded weights are made once and never changed: oneDNN's layout of them is kept natively.
    return conv2dInference(x, weight, folded.bias, geometry, { residual, relu: relu !== null, packedWeight, immutableWeight: true });
  }
  if (isPlainBatchNorm(bn) && (relu === null || isPlainRelu(relu))) {
    // The add and ReLU join the batch norm's pass (its no-gradient path runs them in one loop).
    const y = conv.forward(x) as Tensor;
    if (residual !== null) return (bn as BatchNormBase).forwardWithResidual(y, residual, relu !== null);
    return relu !== null ? (bn as BatchNormBase).forwardWithRelu(y) : bn.forward(y) as Tensor;
  }
  let y = bn.forward(conv.forward(x) as Tensor) as Tensor;
  if (residual !== null) y = y.add(residual);
  return relu === null ? y : relu.forward(y) as Tensor;
}

/**
 * pool(relu(bn(x))): one fused pass each way (BatchNormBase.forwardWithReluMaxPool) when all three are the
 * library's own layers, the pooling's windows tile x and x is on the CPU; else the layers one by one (batch
 * norm and ReLU still fused).
 *
 * @example
 * const y = bnReluMaxPool(model.bn1, model.relu, model.pool, x);
 */
export function bnReluMaxPool(bn: Module, relu: Module, pool: Module, x: Tensor): Tensor {
  const plain = isPlainBatchNorm(bn) && isPlainRelu(relu);
  const window = plain && bn instanceof BatchNorm2d && pool instanceof MaxPool2d && x.device.type === 'cpu'
    ? pool.tilingWindow(x) : null;
  if (window) return (bn as BatchNorm2d).forwardWithReluMaxPool(x, window);
  const y = plain ? (bn as BatchNormBase).forwardWithRelu(x) : relu.forward(bn.forward(x)) as Tensor;
  return pool.forward(y) as Tensor;
}

function isPlainBatchNorm(bn: Module): boolean {
  return bn instanceof BatchNormBase && bn.forward === BatchNormBase.prototype.forward;
}

function isPlainRelu(relu: Module): boolean {
  return relu instanceof ReLU && relu.forward === ReLU.prototype.forward;
}

/**
 * Whether convBn runs (conv, bn, tail) as one folded inference convolution: the library's own Conv2d (zero or
 * 'valid' padding), BatchNorm2d with running statistics in eval mode and ReLU, float32 on the CPU (or bfloat16
 * activations under a bfloat16 autocast region with native kernels), and no gradient needed.
 *
 * @example
 * model.eval(); torch.noGrad(() => canFuseConvBn(model.conv1, model.bn1, x)); // true
 */
export function canFuseConvBn(conv: Module, bn: Module, x: Tensor, tail: ConvBnTail = {}): boolean {
  const residual = tail.residual ?? null, relu = tail.relu ?? null;
  if (!(conv instanceof Conv2d) || conv.forward !== Conv2d.prototype.forward || conv.paddingMode !== 'zeros') return false;
  if (conv.padding === 'same' || !(bn instanceof BatchNorm2d) || !isPlainBatchNorm(bn)) return false;
  if (relu !== null && !isPlainRelu(relu)) return false;
  if (bn.training || bn.runningMean === null || bn.runningVar === null) return false;
  // Under autocast, only bfloat16 with native kernels (elsewhere the convolution is widened to float32 anyway).
  const low = cpuAutocast.enabled;
  if (low && (cpuAutocast.dtype !== 'bfloat16' || !hasNativeBfloat16())) return false;
  const activation = low ? 'bfloat16' : 'float32';
  if (x.ndim !== 4 || !(x.dtype === 'float32' || x.dtype === activation)) return false;
  if (conv.weight.dtype !== 'float32' || bn.runningMean.dtype !== 'float32') return false;
  if (residual !== null && (residual.dtype !== activation || residual.device !== x.device)) return false;
  if (x.device.type !== 'cpu') return false;
  return !needsGrad([x, conv.weight, conv.bias, bn.weight, bn.bias, residual]);
}

/** The folded weight and bias of (conv, bn), from the cache while every source is unchanged. */
function foldedFor(conv: Conv2d, bn: BatchNorm2d): Folded {
  const sources = [conv.weight, conv.bias, bn.weight, bn.bias, bn.runningMean, bn.runningVar];
  const versions = sources.map((t) => t?.version ?? -1);
  const cached = foldedByConv.get(conv);
  if (cached && cached.eps === bn.eps && cached.sources.every((t, i) => t === sources[i] && versions[i] === cached.versions[i])) {
    return cached;
  }
  // The folded copies live no longer than the convolution's weight memory: freeing a model frees them too.
  if (cached) dropFolded(conv);
  const weightAtFold = conv.weight;
  if (!cached || cached.sources[0] !== weightAtFold) weightAtFold.storage.whenReleased(() => {
    if (foldedByConv.get(conv)?.sources[0] === weightAtFold) dropFolded(conv);
  });
  const [weight, bias] = noGrad(() => tidy(() => {
    // float64 for the fold itself, so the folded weights are as close to the unfused arithmetic as float32 allows.
    const f64 = (t: Tensor) => t.double();
    const O = conv.outChannels;
    const gamma = bn.weight ? f64(bn.weight) : null;
    let scale = f64(bn.runningVar!).add(bn.eps).rsqrt();
    if (gamma) scale = scale.mul(gamma);
    const w = f64(conv.weight).mul(scale.view(O, 1, 1, 1)).float();
    let b = (conv.bias ? f64(conv.bias) : scale.mul(0)).sub(f64(bn.runningMean!)).mul(scale);
    if (bn.bias) b = b.add(f64(bn.bias));
    return [keep(w.contiguous()), keep(b.float())];
  }));
  const folded: Folded = { sources, versions, eps: bn.eps, weight, bias };
  foldedByConv.set(conv, folded);
  return folded;
}
