/**
 * torch.nn.functional (also exported as F): stateless layers and losses.
 *
 * @example
 * import { nn } from 'antorcha';
 * const F = nn.functional;
 * const loss = F.crossEntropy(F.relu(F.linear(x, w, b)), labels);
 */
export {
  relu, relu6, hardtanh, leakyRelu, elu, gelu, silu, softplus, mish, sigmoid, tanh, softmax, logSoftmax, softmin,
} from './activation.js';
export { dropout, dropout1d, dropout2d, type DropoutOptions } from './dropout.js';
export { linear, embedding } from './linear.js';
export { pad, type PadMode } from './padding.js';
export { conv1d, conv2d, type ConvOptions, type ConvPadding } from './conv.js';
export {
  maxPool1d, maxPool2d, maxPool2dWithIndices, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d,
  adaptiveMaxPool2d, adaptiveMaxPool2dWithIndices, type MaxPoolOptions, type AvgPoolOptions, type AdaptiveSize,
} from './pooling.js';
export { batchNorm, layerNorm, groupNorm, normalize, type BatchNormOptions } from './normalization.js';
export {
  crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, mseLoss, l1Loss, smoothL1Loss, huberLoss,
  type WeightedLossOptions, type CrossEntropyOptions,
} from './loss.js';
export { multiHeadAttentionForward, type MultiHeadAttentionOptions } from './attention.js';
export { stochasticDepth, type StochasticDepthMode } from './stochastic_depth.js';
