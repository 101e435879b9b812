/**
 * torch.nn: modules, containers, layers, losses, initialisers (nn.init) and the functional forms
 * (nn.functional, also exported as F).
 *
 * @example
 * import * as torch from 'antorcha';
 * import { nn, Tensor } from 'antorcha';
 *
 * class Net extends nn.Module {
 *   features = new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2));
 *   fc = new nn.Linear(8 * 14 * 14, 10);
 *   forward(x: Tensor) { return this.fc.forward(this.features.forward(x).flatten(1)); }
 * }
 */
export { Module } from './module.js';
export { Parameter, isParameter } from './parameter.js';
export type { StateDict, LoadResult } from './state_dict.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export { Linear, Identity, type FactoryOptions } from './modules/linear.js';
export { Flatten, Unflatten } from './modules/flatten.js';
export {
  ReLU, ReLU6, Hardtanh, LeakyReLU, ELU, GELU, SiLU, Mish, Softplus, Sigmoid, Tanh, Softmax, LogSoftmax, Softmin,
} from './modules/activation.js';
export { Dropout, Dropout1d, Dropout2d } from './modules/dropout.js';
export { LayerNorm, GroupNorm } from './modules/normalization.js';
export { Conv1d, Conv2d, type ConvModuleOptions, type PaddingMode } from './modules/conv.js';
export {
  MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d,
} from './modules/pooling.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormModuleOptions } from './modules/batchnorm.js';
export {
  CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss,
} from './modules/loss.js';
export { Embedding } from './modules/sparse.js';
export {
  RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, type RNNOptions, type ElmanRNNOptions, type RNNResult, type LSTMResult,
} from './modules/rnn.js';
export type { Reduction } from './utils.js';
export * as utils from './utils/index.js';
export { PackedSequence } from './utils/rnn.js';
export * as functional from './functional/index.js';
export * as F from './functional/index.js';
export * as init from './init.js';
export { MultiheadAttention, NonDynamicallyQuantizableLinear, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './modules/attention.js';
export { StochasticDepth } from './modules/stochastic_depth.js';
export { SqueezeExcitation, type SqueezeExcitationOptions } from './modules/squeeze_excitation.js';
export { Conv2dNormActivation, type Conv2dNormActivationOptions } from './modules/conv_norm_activation.js';
