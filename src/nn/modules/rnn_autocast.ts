/**
 * Recurrent layers under CPU autocast, step by step, as PyTorch 1.13 runs them on the CPU: its RNN, LSTM and
 * GRU have no autocast policy of their own, but each layer is built from `linear` (input projections for the
 * whole sequence, then one hidden projection per step), which autocast runs in bfloat16, while the cell
 * arithmetic promotes with the float32 state. So an LSTM's or GRU's output stays float32 with bfloat16 gate
 * products, and an Elman RNN's output is bfloat16.
 *
 * Where a layer runs fused in bfloat16 (LSTMs on the library's own loop everywhere; Elman RNNs and GRUs where
 * oneDNN has a bfloat16 RNN primitive, AVX-512 and AMX CPUs), it runs so instead (`fusedLayer`): bfloat16
 * sequences and hidden states, float32 cell state, gate sums accumulated in float32 (no rounding of the gate
 * products, so within bfloat16 tolerance of the composite), and the stack converts its results to the
 * composite's dtypes at the end. Elsewhere this composite path (slower, differentiable through ordinary ops)
 * runs.
 */
import type { Tensor } from '../../tensor.js';
import { cat, stack, unbind } from '../../ops/indexing.js';
import { rnnLayer, type RnnMode } from '../../ops/rnn.js';
import { toDType } from '../../ops/views.js';
import { cpuAutocast } from '../../amp/autocast_mode.js';
import { hasNativeBfloat16Rnn } from '../../amp/native_support.js';
import { linear } from '../functional/linear.js';

export interface LayerParams {
  wIh: Tensor[];
  wHh: Tensor[];
  bIh: Tensor[] | null;
  bHh: Tensor[] | null;
}

/** One step of PyTorch's cell for `mode`: gi is the step's input projection; returns [h', c']. */
function step(mode: RnnMode, gi: Tensor, h: Tensor, c: Tensor | null, wHh: Tensor, bHh: Tensor | null): [Tensor, Tensor | null] {
  const gh = linear(h, wHh, bHh);
  switch (mode) {
    case 'RNN_TANH': return [gh.add(gi).tanh(), null];
    case 'RNN_RELU': return [gh.add(gi).relu(), null];
    case 'LSTM': {
      const [i, f, g, o] = gh.add(gi).chunk(4, 1);
      const cNew = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      return [o.sigmoid().mul(cNew.tanh()), cNew];
    }
    case 'GRU': {
      const [ir, iz, inn] = gi.chunk(3, 1);
      const [hr, hz, hn] = gh.chunk(3, 1);
      const r = hr.add(ir).sigmoid(), z = hz.add(iz).sigmoid();
      const n = inn.add(hn.mul(r)).tanh();
      return [h.sub(n).mul(z).add(n), null];
    }
  }
}

/**
 * One layer, both directions: x [T, N, I], h0 / c0 [D, N, H]; returns output [T, N, D*H] and the final
 * states [D, N, H].
 */
export function autocastLayer(mode: RnnMode, x: Tensor, h0: Tensor, c0: Tensor | null, p: LayerParams):
  { output: Tensor; hn: Tensor; cn: Tensor | null } {
  const T = x.shape[0];
  const outputs: Tensor[] = [], hs: Tensor[] = [], cs: Tensor[] = [];
  for (let d = 0; d < p.wIh.length; d++) {
    // unbind, not select per step: one backward node concatenating the steps' gradients (a select per step
    // would zero-fill a sequence-sized gradient at every step: quadratic in the length).
    const projected = unbind(linear(x, p.wIh[d], p.bIh ? p.bIh[d] : null), 0);
    let h = h0.select(0, d), c = c0 ? c0.select(0, d) : null;
    const steps: Tensor[] = new Array<Tensor>(T);
    for (let k = 0; k < T; k++) {
      const t = d === 0 ? k : T - 1 - k;
      [h, c] = step(mode, projected[t], h, c, p.wHh[d], p.bHh ? p.bHh[d] : null);
      steps[t] = h;
    }
    outputs.push(stack(steps, 0));
    hs.push(h);
    if (c) cs.push(c);
  }
  return {
    output: outputs.length === 1 ? outputs[0] : cat(outputs, 2),
    hn: stack(hs, 0),
    cn: c0 ? stack(cs, 0) : null,
  };
}

/**
 * Whether layers of this mode with these parameters run fused in bfloat16 in the active autocast region.
 *
 * @example
 * const r = runsFused('LSTM', p) ? fusedLayer('LSTM', x, h0, c0, p) : autocastLayer('LSTM', x, h0, c0, p);
 */
export function runsFused(mode: RnnMode, p: LayerParams): boolean {
  const params = [...p.wIh, ...p.wHh, ...(p.bIh ?? []), ...(p.bHh ?? [])];
  return cpuAutocast.dtype === 'bfloat16' && params.every((t) => t.dtype === 'float32') && hasNativeBfloat16Rnn(mode);
}

/**
 * One layer fused in bfloat16 (see the file comment): bfloat16 output and hn, float32 cn.
 *
 * @example
 * const { output, hn, cn } = fusedLayer('LSTM', x, h0, c0, { wIh: [wIh], wHh: [wHh], bIh: [bIh], bHh: [bHh] });
 */
export function fusedLayer(mode: RnnMode, x: Tensor, h0: Tensor, c0: Tensor | null, p: LayerParams):
  { output: Tensor; hn: Tensor; cn: Tensor | null } {
  return rnnLayer(mode, toDType(x, 'bfloat16'), toDType(h0, 'bfloat16'), c0 ? toDType(c0, 'float32') : null, p);
}
