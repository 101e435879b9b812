/** nn.utils: helpers around the layers (torch.nn.utils). */
export * as rnn from './rnn.js';
