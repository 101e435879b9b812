/**
 * Whether this CPU's oneDNN computes bfloat16 natively. oneDNN 2.6 has bfloat16 convolutions and matrix
 * products only on CPUs with AVX-512 (AMX makes them fast) and refuses to build a bfloat16 convolution
 * elsewhere; on such CPUs antorcha widens bfloat16 operands to float32 (exact), computes in float32 and
 * rounds the result once, as a bfloat16 kernel that accumulates in float32 does. Probed once, with a 1x1
 * convolution.
 */
import { conv2d } from '../ops/conv.js';
import { zeros } from '../ops/creation.js';
import { rnnLayer } from '../ops/rnn.js';
import { noGrad } from '../autograd/grad_mode.js';
import { tidy } from '../memory/scope.js';

let bf16Native: boolean | undefined;

/** True when oneDNN has bfloat16 kernels on this CPU (the native matmul then skips its float32 widening). */
export function hasNativeBfloat16(): boolean {
  if (bf16Native === undefined) {
    const opts = { stride: [1, 1] as [number, number], padding: [0, 0] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
    try {
      tidy(() => noGrad(() => conv2d(zeros([1, 1, 1, 1], { dtype: 'bfloat16' }), zeros([1, 1, 1, 1], { dtype: 'bfloat16' }), null, opts)));
      bf16Native = true;
    } catch {
      bf16Native = false;
    }
  }
  return bf16Native;
}

let bf16Rnn: boolean | undefined;

/**
 * True when oneDNN has a bfloat16 RNN primitive, forward and backward, on this CPU (then recurrent layers under
 * bfloat16 autocast run fused instead of step by step). Probed once, with a one-step LSTM and its gradient.
 *
 * @example
 * const layer = hasNativeBfloat16Rnn() ? 'fused bfloat16' : 'step-by-step composite';
 */
export function hasNativeBfloat16Rnn(): boolean {
  if (bf16Rnn === undefined) {
    try {
      tidy(() => {
        const w = zeros([4, 1], { requiresGrad: true });
        const p = { wIh: [w], wHh: [zeros([4, 1])], bIh: [zeros([4])], bHh: [zeros([4])] };
        const state = zeros([1, 1, 1], { dtype: 'bfloat16' });
        rnnLayer('LSTM', zeros([1, 1, 1], { dtype: 'bfloat16' }), state, zeros([1, 1, 1]), p).output.float().sum().backward();
      });
      bf16Rnn = true;
    } catch {
      bf16Rnn = false;
    }
  }
  return bf16Rnn;
}
