/** nn.utils: helpers around the layers (torch.nn.utils). */
export * as rnn from './rnn.js';
export { clipGradNorm_, clipGradValue_ } from './clip_grad.js';
