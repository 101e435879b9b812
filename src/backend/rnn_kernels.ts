/**
 * Typed entry points to the recurrent-layer kernels (native/cpu/rnn.cc, and lstm_loop.cc behind them): the
 * workspace size, the forward of one layer and its backward.
 */
import { Kernel } from '../generated/kernel_ids.js';
import { addon } from './native.js';
import { begin, num, tensor, type Operand } from './tape_writer.js';

type Tensor = Operand;

/** One recurrent layer's work: cell kind, directions (1 or 2), sequence length, batch, input and hidden sizes. */
export interface RnnConfig {
  mode: 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
  directions: 1 | 2;
  seqLen: number;
  batch: number;
  inputSize: number;
  hiddenSize: number;
  /** Training forwards keep a workspace for the backward pass. */
  training: boolean;
  /** A single direction run right to left (default false). */
  reverse?: boolean;
  /**
   * bfloat16 sequences and hidden states, float32 cell states and parameters; the backward's gradients are all
   * float32 (default false: everything float32).
   */
  bf16?: boolean;
}

/** Per direction, PyTorch's parameters of one layer: [G*H, in], [G*H, H] and (when biased) two [G*H] biases. */
export interface RnnParams {
  wIh: Tensor[];
  wHh: Tensor[];
  bIh: Tensor[] | null;
  bHh: Tensor[] | null;
}

const RNN_MODES = { RNN_TANH: 0, RNN_RELU: 1, LSTM: 2, GRU: 3 } as const;

function rnnConfig(c: RnnConfig): void {
  num(RNN_MODES[c.mode]);
  num(c.directions);
  num(c.seqLen);
  num(c.batch);
  num(c.inputSize);
  num(c.hiddenSize);
  num(c.training ? 1 : 0);
  num(c.reverse ? 1 : 0);
  num(c.bf16 ? 1 : 0);
}

function rnnParams(p: RnnParams): void {
  for (let d = 0; d < p.wIh.length; d++) {
    tensor(p.wIh[d]);
    tensor(p.wHh[d]);
    if (p.bIh && p.bHh) {
      tensor(p.bIh[d]);
      tensor(p.bHh[d]);
    }
  }
}

/** out (float64 [1]) <- bytes of the workspace a training forward of this configuration needs. */
export function rnnWorkspaceSize(out: Tensor, c: RnnConfig): void {
  begin(Kernel.rnn);
  num(1);
  rnnConfig({ ...c, training: true });
  tensor(out);
  addon.run();
}

/** One layer over the whole sequence: y [T, N, D*H], hn (and cn) [D, N, H]; ws only when training. */
export function rnn(
  c: RnnConfig, y: Tensor, hn: Tensor, cn: Tensor | null, ws: Tensor | null, x: Tensor, h0: Tensor, c0: Tensor | null,
  p: RnnParams,
): void {
  begin(Kernel.rnn);
  num(0);
  rnnConfig(c);
  tensor(y);
  tensor(hn);
  if (cn) tensor(cn);
  if (ws) tensor(ws);
  tensor(x);
  tensor(h0);
  if (c0) tensor(c0);
  num(p.bIh ? 1 : 0);
  rnnParams(p);
  addon.run();
}

/** Gradients of one layer (every one is written, weight gradients included). */
export function rnnBackward(
  c: RnnConfig, grads: { dx: Tensor; dh0: Tensor; dc0: Tensor | null; params: RnnParams },
  saved: { x: Tensor; h0: Tensor; c0: Tensor | null; params: RnnParams; y: Tensor; hn: Tensor; cn: Tensor | null; ws: Tensor },
  dy: Tensor, dhn: Tensor, dcn: Tensor | null,
): void {
  begin(Kernel.rnnBackward);
  rnnConfig(c);
  tensor(grads.dx);
  tensor(grads.dh0);
  if (grads.dc0) tensor(grads.dc0);
  num(grads.params.bIh ? 1 : 0);
  rnnParams(grads.params);
  tensor(saved.x);
  tensor(saved.h0);
  if (saved.c0) tensor(saved.c0);
  rnnParams(saved.params);
  tensor(saved.y);
  tensor(saved.hn);
  if (saved.cn) tensor(saved.cn);
  tensor(saved.ws);
  tensor(dy);
  tensor(dhn);
  if (dcn) tensor(dcn);
  addon.run();
}
