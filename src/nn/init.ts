/**
 * nn.init: in-place initialisers with PyTorch's fan computation and gains. They draw from the default
 * generator exactly as PyTorch does (one uniform_/normal_ call per tensor, same bounds to the last bit), so
 * after torch.manualSeed(s) a layer gets PyTorch's weights.
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad_mode.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/**
 * The recommended gain for a nonlinearity (PyTorch's calculate_gain).
 *
 * @example
 * nn.init.calculateGain('leaky_relu', 0.2); // 1.3867504905630728
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  const linear = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];
  if (linear.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    if (param !== undefined && param !== null && typeof param !== 'number') {
      throw new RangeError(`negative_slope ${String(param)} not a valid number`);
    }
    const slope = param ?? 0.01;
    // NOTE: slope * slope, not slope ** 2: the same correctly rounded double as Python's negative_slope ** 2.
    return Math.sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new RangeError(`Unsupported nonlinearity ${String(nonlinearity)}`);
}

/** [fanIn, fanOut] of a weight: dim 1 and dim 0 times the receptive field (PyTorch's rule). */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  if (tensor.ndim < 2) throw new RangeError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  let receptive = 1;
  for (const s of tensor.shape.slice(2)) receptive *= s;
  return [tensor.shape[1] * receptive, tensor.shape[0] * receptive];
}

function correctFan(tensor: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`Mode ${String(mode)} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return mode === 'fan_in' ? fanIn : fanOut;
}

/** Runs an in-place fill without recording it (parameters are leaves that require grad). */
const inPlace = (tensor: Tensor, fill: (t: Tensor) => void): Tensor => noGrad(() => {
  fill(tensor);
  return tensor;
});

/** Fills with U(a, b). @example nn.init.uniform_(w, -0.1, 0.1) */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return inPlace(tensor, (t) => t.uniform_(a, b));
}

/** Fills with N(mean, std²). @example nn.init.normal_(embedding.weight, 0, 0.02) */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return inPlace(tensor, (t) => t.normal_(mean, std));
}

/** @example nn.init.constant_(bn.weight, 0.5) */
export function constant_(tensor: Tensor, value: number): Tensor {
  return inPlace(tensor, (t) => t.fill_(value));
}
/** @example nn.init.zeros_(linear.bias!) */
export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}
/** @example nn.init.ones_(ln.weight!) */
export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/** Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)). @example nn.init.xavierUniform_(w) */
export function xavierUniform_(tensor: Tensor, gain = 1.0): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

/** Glorot normal: N(0, std²), std = gain * sqrt(2 / (fanIn + fanOut)). @example nn.init.xavierNormal_(w) */
export function xavierNormal_(tensor: Tensor, gain = 1.0): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gain * Math.sqrt(2.0 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). Default 0. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function isEmpty(tensor: Tensor): boolean {
  if (tensor.shape.includes(0)) {
    process.emitWarning('Initializing zero-element tensors is a no-op', 'UserWarning');
    return true;
  }
  return false;
}

/**
 * He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan). Linear and Conv layers use
 * `{ a: Math.sqrt(5) }`.
 *
 * @example
 * nn.init.kaimingUniform_(conv.weight, { mode: 'fan_out', nonlinearity: 'relu' });
 */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (isEmpty(tensor)) return tensor;
  const fan = correctFan(tensor, options.mode ?? 'fan_in');
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

/** He normal: N(0, std²), std = gain / sqrt(fan). @example nn.init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' }) */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (isEmpty(tensor)) return tensor;
  const fan = correctFan(tensor, options.mode ?? 'fan_in');
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return normal_(tensor, 0, gain / Math.sqrt(fan));
}

/** PyTorch's Linear/Conv bias bound: 1 / sqrt(fanIn) of the weight (0 for an empty weight). */
export function biasBound(weight: Tensor): number {
  const [fanIn] = calculateFanInAndFanOut(weight);
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/**
 * The reset_parameters of PyTorch's Linear and convolutions: kaiming_uniform_(a=√5) on the weight, then the
 * bias from U(±1/√fan_in), drawing from the default generator in PyTorch's order.
 *
 * @example
 * resetLinearLike(layer.weight, layer.bias);
 */
export function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const bound = biasBound(weight);
    uniform_(bias, -bound, bound);
  }
}
