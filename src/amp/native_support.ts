/**
 * Whether this CPU's oneDNN computes bfloat16 natively. oneDNN 2.6 has bfloat16 convolutions and matrix
 * products only on CPUs with AVX-512 (AMX makes them fast) and refuses to build a bfloat16 convolution
 * elsewhere; on such CPUs antorcha widens bfloat16 operands to float32 (exact), computes in float32 and
 * rounds the result once, as a bfloat16 kernel that accumulates in float32 does. Probed once, with a 1x1
 * convolution.
 */
import { conv2d } from '../ops/conv.js';
import { zeros } from '../ops/creation.js';
import { rnnLayer, type RnnMode } from '../ops/rnn.js';
import { noGrad } from '../autograd/grad_mode.js';
import { tidy } from '../memory/scope.js';

let bf16Native: boolean | undefined;

/** True when oneDNN has bfloat16 kernels on this CPU (the native matmul then skips its float32 widening). */
export function hasNativeBfloat16(): boolean {
  if (bf16Native === undefined) {
    const opts = { stride: [1, 1] as [number, number], padding: [0, 0] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
    try {
      // The block returns nothing: a returned result would outlive the scope.
      tidy(() => {
        noGrad(() => conv2d(zeros([1, 1, 1, 1], { dtype: 'bfloat16' }), zeros([1, 1, 1, 1], { dtype: 'bfloat16' }), null, opts));
      });
      bf16Native = true;
    } catch {
      bf16Native = false;
    }
  }
  return bf16Native;
}

const bf16Rnn = new Map<RnnMode, boolean>();

/**
 * True when recurrent layers of this mode run fused in bfloat16 on this CPU, forward and backward (then layers
 * under bfloat16 autocast run fused instead of step by step): LSTMs on the library's own loop (bfloat16
 * products on oneDNN, widened to float32 where it has none), the other cells where oneDNN has a bfloat16 RNN
 * primitive. Probed once per mode, with a one-step layer and its gradient.
 *
 * @example
 * const layer = hasNativeBfloat16Rnn('GRU') ? 'fused bfloat16' : 'step-by-step composite';
 */
export function hasNativeBfloat16Rnn(mode: RnnMode = 'LSTM'): boolean {
  let known = bf16Rnn.get(mode);
  if (known === undefined) {
    try {
      tidy(() => {
        const G = mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1;
        const w = zeros([G, 1], { requiresGrad: true });
        const p = { wIh: [w], wHh: [zeros([G, 1])], bIh: [zeros([G])], bHh: [zeros([G])] };
        const state = zeros([1, 1, 1], { dtype: 'bfloat16' });
        const cell = mode === 'LSTM' ? zeros([1, 1, 1]) : null;
        rnnLayer(mode, zeros([1, 1, 1], { dtype: 'bfloat16' }), state, cell, p).output.float().sum().backward();
      });
      known = true;
    } catch {
      known = false;
    }
    bf16Rnn.set(mode, known);
  }
  return known;
}
