/**
 * Typed entry points to the native kernels. Each writes its arguments on the tape in the order the C++
 * kernel reads them (native/cpu/*.cc), then makes the single `run()` call. The recurrent layers' entry
 * points are in rnn_kernels.ts (re-exported here).
 */
import { BinaryFn, Kernel, ReduceFn, UnaryFn } from '../generated/kernel_ids.js';
import type { BinaryFnName, ReduceFnName, UnaryFnName } from '../generated/kernel_ids.js';
import { addon } from './native.js';
import { begin, num, tensor, type Operand } from './tape_writer.js';

export type { Operand } from './tape_writer.js';
export * from './rnn_kernels.js';

type Tensor = Operand;

export function fill(out: Tensor, value: number): void {
  begin(Kernel.fill);
  tensor(out);
  num(value);
  addon.run();
}

/** out <- src, converting dtype; both have the same shape (src may be broadcast). */
export function copy(out: Tensor, src: Tensor): void {
  begin(Kernel.copy);
  tensor(out);
  tensor(src);
  addon.run();
}

export function unary(fn: UnaryFnName, out: Tensor, x: Tensor): void {
  begin(Kernel.unary);
  num(UnaryFn[fn]);
  tensor(out);
  tensor(x);
  addon.run();
}

export function binary(fn: BinaryFnName, out: Tensor, a: Tensor, b: Tensor): void {
  begin(Kernel.binary);
  num(BinaryFn[fn]);
  tensor(out);
  tensor(a);
  tensor(b);
  addon.run();
}

export function binaryScalar(fn: BinaryFnName, out: Tensor, a: Tensor, scalar: number): void {
  begin(Kernel.binaryScalar);
  num(BinaryFn[fn]);
  tensor(out);
  tensor(a);
  num(scalar);
  addon.run();
}

export function where(out: Tensor, cond: Tensor, a: Tensor, b: Tensor): void {
  begin(Kernel.where);
  tensor(out);
  tensor(cond);
  tensor(a);
  tensor(b);
  addon.run();
}

export function clamp(out: Tensor, x: Tensor, min: number | null, max: number | null): void {
  begin(Kernel.clamp);
  tensor(out);
  tensor(x);
  num(min ?? 0);
  num(max ?? 0);
  num(min === null ? 0 : 1);
  num(max === null ? 0 : 1);
  addon.run();
}

/** Reduces the last `nreduced` dims of x into the contiguous out. */
export function reduce(fn: ReduceFnName, out: Tensor, x: Tensor, nreduced: number): void {
  begin(Kernel.reduce);
  num(ReduceFn[fn]);
  tensor(out);
  tensor(x);
  num(nreduced);
  addon.run();
}

/** max/min with indices over the last dim of x. */
export function argReduce(fn: 'max' | 'min', values: Tensor | null, indices: Tensor, x: Tensor): void {
  begin(Kernel.argReduce);
  num(ReduceFn[fn]);
  num(values ? 1 : 0);
  if (values) tensor(values);
  tensor(indices);
  tensor(x);
  addon.run();
}

export function softmax(out: Tensor, x: Tensor, dim: number, log: boolean): void {
  begin(log ? Kernel.logSoftmax : Kernel.softmax);
  tensor(out);
  tensor(x);
  num(dim);
  addon.run();
}

/** out = a @ b (+ bias[N], added before the one rounding to out's dtype). */
export function matmul(out: Tensor, a: Tensor, b: Tensor, bias: Tensor | null = null): void {
  begin(Kernel.matmul);
  tensor(out);
  tensor(a);
  tensor(b);
  num(bias ? 1 : 0);
  if (bias) tensor(bias);
  addon.run();
}

export function indexSelect(out: Tensor, x: Tensor, index: Tensor, dim: number): void {
  begin(Kernel.indexSelect);
  tensor(out);
  tensor(x);
  tensor(index);
  num(dim);
  addon.run();
}

export function indexAdd(out: Tensor, index: Tensor, src: Tensor, dim: number): void {
  begin(Kernel.indexAdd);
  tensor(out);
  tensor(index);
  tensor(src);
  num(dim);
  addon.run();
}

export function gather(out: Tensor, x: Tensor, index: Tensor, dim: number): void {
  begin(Kernel.gather);
  tensor(out);
  tensor(x);
  tensor(index);
  num(dim);
  addon.run();
}

export function scatter(out: Tensor, index: Tensor, src: Tensor, dim: number, add: boolean): void {
  begin(add ? Kernel.scatterAdd : Kernel.scatter);
  tensor(out);
  tensor(index);
  tensor(src);
  num(dim);
  addon.run();
}

export function randUniform(out: Tensor, from: number, to: number): void {
  begin(Kernel.randUniform);
  tensor(out);
  num(from);
  num(to);
  addon.run();
}

export function randNormal(out: Tensor, mean: number, std: number): void {
  begin(Kernel.randNormal);
  tensor(out);
  num(mean);
  num(std);
  addon.run();
}

export function randInt(out: Tensor, low: number, high: number): void {
  begin(Kernel.randInt);
  tensor(out);
  num(low);
  num(high);
  addon.run();
}

export function manualSeed(seed: number): void {
  begin(Kernel.manualSeed);
  num(seed);
  addon.run();
}

/** Convolution geometry, PyTorch's meaning (dilation 1 = dense). */
export interface ConvGeometry {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

function geometry(g: ConvGeometry): void {
  num(g.stride[0]);
  num(g.stride[1]);
  num(g.padding[0]);
  num(g.padding[1]);
  num(g.dilation[0]);
  num(g.dilation[1]);
  num(g.groups);
}

/** Post-ops fused into a forward convolution: out = relu?(conv(x) + bias + residual?). */
export interface ConvPostOps {
  residual?: Tensor | null;
  relu?: boolean;
  /** oneDNN's inference propagation kind (may pick kernels that keep nothing for a backward). */
  inference?: boolean;
  /**
   * The weight prepared once in the layout of one of the native paths (ops/conv.ts packConvWeight: Winograd's
   * transform or the unfolded-rows panels), for weights that stay unchanged over many calls; the kernel then
   * skips preparing it per call, and ignores it where its path does not run.
   */
  packedWeight?: Tensor | null;
  /**
   * The caller never changes the weight while it lives (eval-mode folded Conv-BN weights): where oneDNN runs
   * the convolution, the weight is reordered into its layout once and kept until the weight is freed.
   */
  immutableWeight?: boolean;
}

export function conv2d(out: Tensor, x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, post: ConvPostOps = {}): void {
  begin(Kernel.conv2d);
  tensor(out);
  tensor(x);
  tensor(weight);
  num(bias ? 1 : 0);
  if (bias) tensor(bias);
  geometry(g);
  num((post.relu ? 1 : 0) | (post.residual ? 2 : 0) | (post.inference ? 4 : 0) | (post.packedWeight ? 8 : 0) |
    (post.immutableWeight ? 16 : 0));
  if (post.residual) tensor(post.residual);
  if (post.packedWeight) tensor(post.packedWeight);
  addon.run();
}

export function conv2dBackwardData(gradIn: Tensor, gradOut: Tensor, weight: Tensor, g: ConvGeometry): void {
  begin(Kernel.conv2dBackwardData);
  tensor(gradIn);
  tensor(gradOut);
  tensor(weight);
  geometry(g);
  addon.run();
}

export function conv2dBackwardWeight(gradWeight: Tensor, gradBias: Tensor | null, x: Tensor, gradOut: Tensor, g: ConvGeometry): void {
  begin(Kernel.conv2dBackwardWeight);
  tensor(gradWeight);
  num(gradBias ? 1 : 0);
  if (gradBias) tensor(gradBias);
  tensor(x);
  tensor(gradOut);
  geometry(g);
  addon.run();
}

/**
 * Per-channel mean and biased variance of a floating [N, C, ...] tensor (contiguous or channels-last), into
 * float32 vectors (float64 for a float64 tensor).
 */
export function channelStats(mean: Tensor, variance: Tensor, x: Tensor): void {
  begin(Kernel.channelStats);
  tensor(mean);
  tensor(variance);
  tensor(x);
  addon.run();
}

/** out = relu?(x * scale[c] + shift[c] + residual?); out, x and residual share one dtype and layout. */
export function channelAffine(out: Tensor, x: Tensor, scale: Tensor, shift: Tensor, relu: boolean, residual: Tensor | null): void {
  begin(Kernel.channelAffine);
  tensor(out);
  tensor(x);
  tensor(scale);
  tensor(shift);
  num((relu ? 1 : 0) | (residual ? 2 : 0));
  if (residual) tensor(residual);
  addon.run();
}

/**
 * out = maxPool(relu(x * scale[c] + shift[c])) over kh x kw windows with stride kh x kw, and in argmax (uint8,
 * when given) each output's window position dh * kw + dw; x, out and argmax channels-last.
 */
export function channelAffinePool(out: Tensor, argmax: Tensor | null, x: Tensor, scale: Tensor, shift: Tensor, window: [number, number]): void {
  begin(Kernel.channelAffinePool);
  tensor(out);
  num(argmax ? 1 : 0);
  if (argmax) tensor(argmax);
  tensor(x);
  tensor(scale);
  tensor(shift);
  num(window[0]);
  num(window[1]);
  addon.run();
}

/** What channelNormBackward computes and from what (vectors float32, float64 for float64 activations). */
export interface ChannelNormBackward {
  gradIn: Tensor | null;
  /** The weight's and the bias's gradients, or null when neither is wanted. */
  gradParams: [Tensor, Tensor] | null;
  g: Tensor;
  x: Tensor;
  mean: Tensor;
  variance: Tensor;
  weight: Tensor | null;
  /** The forward's scale and shift when it fused a ReLU (the mask is recomputed from x). */
  reluAffine: [Tensor, Tensor] | null;
  training: boolean;
  eps: number;
  /** Max pooling followed (channelAffinePool): g is the pooled gradient, argmax the window positions. */
  pooled?: { argmax: Tensor; window: [number, number] } | null;
}

/**
 * Batch norm's backward in plain loops; x and gradIn share one dtype and layout, and so does g unless `pooled`
 * (then g is the pooled gradient, channels-last).
 */
export function channelNormBackward(a: ChannelNormBackward): void {
  begin(Kernel.channelNormBackward);
  num((a.training ? 1 : 0) | (a.reluAffine ? 2 : 0) | (a.weight ? 4 : 0) | (a.gradIn ? 8 : 0) | (a.gradParams ? 16 : 0)
    | (a.pooled ? 32 : 0));
  if (a.gradIn) tensor(a.gradIn);
  if (a.gradParams) a.gradParams.forEach(tensor);
  tensor(a.g);
  tensor(a.x);
  tensor(a.mean);
  tensor(a.variance);
  if (a.weight) tensor(a.weight);
  if (a.reluAffine) a.reluAffine.forEach(tensor);
  num(a.eps);
  if (a.pooled) {
    tensor(a.pooled.argmax);
    num(a.pooled.window[0]);
    num(a.pooled.window[1]);
  }
  addon.run();
}

/** The scalars of one Adam/AdamW step, computed in double as PyTorch's Python code computes them. */
export interface AdamScalars {
  decoupled: boolean;
  maximize: boolean;
  /** AdamW's 1 - lr * weightDecay. */
  decayFactor: number;
  /** Adam's (coupled) weight decay. */
  weightDecay: number;
  beta1: number;
  beta2: number;
  biasCorrection2Sqrt: number;
  eps: number;
  stepSize: number;
}

/** One Adam/AdamW update of a float32 parameter and its moments in one pass (cpu/optim.cc). */
export function adamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, s: AdamScalars): void {
  begin(Kernel.adamStep);
  tensor(param);
  tensor(grad);
  tensor(expAvg);
  tensor(expAvgSq);
  num(maxExpAvgSq ? 1 : 0);
  if (maxExpAvgSq) tensor(maxExpAvgSq);
  num((s.decoupled ? 1 : 0) | (s.maximize ? 2 : 0));
  num(s.decayFactor);
  num(s.weightDecay);
  num(s.beta1);
  num(1 - s.beta1);
  num(s.beta2);
  num(1 - s.beta2);
  num(s.biasCorrection2Sqrt);
  num(s.eps);
  num(-s.stepSize);
  addon.run();
}

/** With `relu`, max(0, .) is fused in; a training forward then needs `workspace` (uint8, one byte per element). */
export function batchNorm(
  out: Tensor, x: Tensor, mean: Tensor, variance: Tensor, training: boolean,
  affine: { weight: Tensor; bias: Tensor } | null, eps: number, relu = false, workspace: Tensor | null = null,
): void {
  begin(Kernel.batchNorm);
  tensor(out);
  tensor(x);
  tensor(mean);
  tensor(variance);
  num(training ? 1 : 0);
  num(affine ? 1 : 0);
  if (affine) {
    tensor(affine.weight);
    tensor(affine.bias);
  }
  num(eps);
  num(relu ? 1 : 0);
  if (relu && training) tensor(workspace!);
  addon.run();
}

export function batchNormBackward(
  gradIn: Tensor, affine: { gradWeight: Tensor; gradBias: Tensor; weight: Tensor } | null, gradOut: Tensor,
  x: Tensor, mean: Tensor, variance: Tensor, training: boolean, eps: number, reluWorkspace: Tensor | null = null,
): void {
  begin(Kernel.batchNormBackward);
  tensor(gradIn);
  num(affine ? 1 : 0);
  if (affine) {
    tensor(affine.gradWeight);
    tensor(affine.gradBias);
    tensor(affine.weight);
  }
  tensor(gradOut);
  tensor(x);
  tensor(mean);
  tensor(variance);
  num(training ? 1 : 0);
  num(eps);
  num(reluWorkspace ? 1 : 0);
  if (reluWorkspace) tensor(reluWorkspace);
  addon.run();
}

/** Pooling windows: regular (kernel/stride/padding/dilation) or adaptive. */
export interface PoolSpec {
  max: boolean;
  adaptive: boolean;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  countIncludePad: boolean;
  divisor: number | null;
}

function poolSpec(s: PoolSpec): void {
  num(s.max ? 0 : 1);
  num(s.adaptive ? 1 : 0);
  num(s.kernel[0]);
  num(s.kernel[1]);
  num(s.stride[0]);
  num(s.stride[1]);
  num(s.padding[0]);
  num(s.padding[1]);
  num(s.dilation[0]);
  num(s.dilation[1]);
  num(s.countIncludePad ? 1 : 0);
  num(s.divisor ?? 0);
}

export function pool2d(out: Tensor, indices: Tensor | null, x: Tensor, spec: PoolSpec): void {
  begin(Kernel.pool2d);
  tensor(out);
  num(indices ? 1 : 0);
  if (indices) tensor(indices);
  tensor(x);
  poolSpec(spec);
  addon.run();
}

/** Writes every element of gradIn (cells outside every window get zero). */
export function pool2dBackward(gradIn: Tensor, gradOut: Tensor, indices: Tensor | null, spec: PoolSpec): void {
  begin(Kernel.pool2dBackward);
  tensor(gradIn);
  tensor(gradOut);
  num(indices ? 1 : 0);
  if (indices) tensor(indices);
  poolSpec(spec);
  addon.run();
}
