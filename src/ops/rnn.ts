/**
 * One recurrent layer (Elman RNN, LSTM, GRU; one or both directions) over a whole time-major sequence on
 * oneDNN's fused RNN primitives, forward and backward (bfloat16 LSTMs on the library's own loop,
 * native/cpu/lstm_loop.cc, behind the same kernels). nn.RNN / nn.LSTM / nn.GRU stack layers of it. Sequences
 * and hidden states are float32, or bfloat16 where oneDNN has bfloat16 kernels (float32 parameters and cell
 * states either way; the bfloat16 backward computes float32 gradients, rounded to bfloat16 for bfloat16 inputs).
 */
import * as k from '../backend/kernels.js';
import type { RnnConfig } from '../backend/kernels.js';
import type { Tensor } from '../tensor.js';
import { formatShape } from '../layout.js';
import { empty, needsGrad, record } from './dispatch.js';
import { contiguous, toDType } from './views.js';
import { zeros } from './creation.js';

export type RnnMode = RnnConfig['mode'];

/** Per direction, PyTorch's parameters of one layer: [G*H, in], [G*H, H] and (when biased) two [G*H] biases. */
export interface RnnParams {
  wIh: Tensor[];
  wHh: Tensor[];
  bIh: Tensor[] | null;
  bHh: Tensor[] | null;
}

/** What one layer produces: the output sequence [T, N, D*H] and the final states [D, N, H]. */
export interface RnnLayerResult {
  output: Tensor;
  hn: Tensor;
  cn: Tensor | null;
}

// Workspace bytes by configuration: asking oneDNN costs a kernel call and a read-back.
const workspaceBytes = new Map<string, number>();

function workspaceFor(c: RnnConfig): Tensor {
  const key = `${c.mode},${c.directions},${c.reverse ? 'r' : 'l'},${c.bf16 ? 'bf16' : 'f32'},${c.seqLen},${c.batch},${c.inputSize},${c.hiddenSize}`;
  let bytes = workspaceBytes.get(key);
  if (bytes === undefined) {
    const out = empty([1], 'float64');
    k.rnnWorkspaceSize(out, c);
    bytes = out.item();
    out.dispose();
    workspaceBytes.set(key, bytes);
  }
  return empty([bytes], 'uint8');
}

function flatParams(p: RnnParams): Tensor[] {
  const out: Tensor[] = [];
  for (let d = 0; d < p.wIh.length; d++) {
    out.push(p.wIh[d], p.wHh[d]);
    if (p.bIh && p.bHh) out.push(p.bIh[d], p.bHh[d]);
  }
  return out;
}

function unflatParams(flat: Tensor[], directions: number, bias: boolean): RnnParams {
  const per = bias ? 4 : 2;
  const p: RnnParams = { wIh: [], wHh: [], bIh: bias ? [] : null, bHh: bias ? [] : null };
  for (let d = 0; d < directions; d++) {
    p.wIh.push(flat[d * per]);
    p.wHh.push(flat[d * per + 1]);
    if (bias) {
      p.bIh!.push(flat[d * per + 2]);
      p.bHh!.push(flat[d * per + 3]);
    }
  }
  return p;
}

/**
 * Runs one layer over x [T, N, I] from the initial states h0 (and c0 for LSTM) [D, N, H]. Parameters are
 * PyTorch's per-direction tensors; shapes are checked by the caller (nn.RNNBase) and again natively. When a
 * gradient is needed the training primitive runs (it keeps a workspace for the backward), else the inference one.
 * `reverse` runs a single direction from the last step to the first (packed sequences need each direction alone).
 *
 * @example
 * const { output, hn, cn } = rnnLayer('LSTM', x, h0, c0, { wIh: [w1], wHh: [w2], bIh: [b1], bHh: [b2] });
 */
export function rnnLayer(
  mode: RnnMode, x: Tensor, h0: Tensor, c0: Tensor | null, params: RnnParams, reverse = false,
): RnnLayerResult {
  if (x.ndim !== 3) throw new RangeError(`rnn: expected a 3-D input [T, N, I], got ${formatShape(x.shape)}`);
  const [T, N, I] = x.shape;
  const D = params.wIh.length as 1 | 2;
  const H = h0.shape[2];
  const bf16 = x.dtype === 'bfloat16';
  if (h0.dtype !== x.dtype) throw new TypeError(`rnn: expected a ${x.dtype} hidden state like the input, got ${h0.dtype}`);
  if (x.dtype !== 'float32' && !bf16) throw new TypeError(`rnn: expected a float32 or bfloat16 input, got ${x.dtype}`);
  for (const t of [c0, ...flatParams(params)]) {
    if (t && t.dtype !== 'float32') throw new TypeError(`rnn: expected float32 parameters and cell state, got ${t.dtype}`);
  }
  const lstm = mode === 'LSTM';
  const training = needsGrad([x, h0, c0, ...flatParams(params)]);
  if (lstm !== (c0 !== null)) throw new Error('rnn: an LSTM needs a cell state, other cells take none');
  if (reverse && D !== 1) throw new RangeError('rnn: only a single direction can run right to left');
  const c: RnnConfig = { mode, directions: D, seqLen: T, batch: N, inputSize: I, hiddenSize: H, training, reverse, bf16 };
  const xs = contiguous(x), h = contiguous(h0), cs = c0 ? contiguous(c0) : null;
  const p = unflatParams(flatParams(params).map(contiguous), D, params.bIh !== null);
  const output = empty([T, N, D * H], x.dtype);
  const hn = empty([D, N, H], x.dtype);
  const cn = lstm ? empty([D, N, H], 'float32') : null;
  const ws = training ? workspaceFor(c) : null;
  k.rnn(c, output, hn, cn, ws, xs, h, cs, p);
  if (ws) {
    record('rnnLayer', [output, ws, hn, ...(cn ? [cn] : [])], [xs, h, cs, ...flatParams(p)], {
      mode, directions: D, hasBias: p.bIh !== null, reverse,
    });
  }
  return { output, hn, cn };
}

/** Gradients of rnnLayer for [x, h0, c0, ...params] from the native backward (the forward's workspace). */
export function rnnLayerBackward(
  grads: (Tensor | null)[], saved: Tensor[],
  attrs: { mode: RnnMode; directions: 1 | 2; hasBias: boolean; reverse: boolean },
): (Tensor | null)[] {
  const [x, h0, c0, y, ws, hn, cn, ...flat] = saved;
  const lstm = attrs.mode === 'LSTM';
  const params = unflatParams(flat, attrs.directions, attrs.hasBias);
  const [T, N, I] = x.shape;
  const H = h0.shape[2];
  const c: RnnConfig = {
    mode: attrs.mode, directions: attrs.directions, seqLen: T, batch: N, inputSize: I, hiddenSize: H, training: true,
    reverse: attrs.reverse, bf16: x.dtype === 'bfloat16',
  };
  // Outputs nobody used get zero gradients of their own shape.
  const [gy, , ghn, gcn] = grads;
  const wide = (g: Tensor) => contiguous(toDType(g, 'float32'));
  const dy = gy ? wide(gy) : zeros(y.shape.slice());
  const dhn = ghn ? wide(ghn) : zeros(hn.shape.slice());
  const dcn = lstm ? (gcn ? wide(gcn) : zeros(cn.shape.slice())) : null;
  const dx = empty(x.shape.slice(), 'float32'), dh0 = empty(h0.shape.slice(), 'float32');
  const dc0 = lstm ? empty(c0.shape.slice(), 'float32') : null;
  const dflat = flat.map((t) => empty(t.shape.slice(), 'float32'));
  const dparams = unflatParams(dflat, attrs.directions, attrs.hasBias);
  k.rnnBackward(c, { dx, dh0, dc0, params: dparams },
    { x, h0, c0: lstm ? c0 : null, params, y, hn, cn: lstm ? cn : null, ws }, dy, dhn, dcn);
  // Gradients of bfloat16 inputs take their dtype.
  return [toDType(dx, x.dtype), toDType(dh0, h0.dtype), dc0, ...dflat];
}
