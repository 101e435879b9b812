/**
 * Recurrent layers: RNN (tanh or ReLU), LSTM and GRU with PyTorch's parameters (names, shapes, gate order,
 * initialisation) and outputs, each layer running on oneDNN's fused RNN primitive; and the single-step cells.
 */
import type { Tensor } from '../../tensor.js';
import { empty, zeros } from '../../ops/creation.js';
import { cat, indexSelect } from '../../ops/indexing.js';
import { rnnLayer, type RnnMode } from '../../ops/rnn.js';
import { PackedSequence } from '../utils/rnn.js';
import { packedLayer } from './rnn_packed.js';
import { autocastLayer, fusedLayer, runsFused } from './rnn_autocast.js';
import { cpuAutocast } from '../../amp/autocast_mode.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { uniform_ } from '../init.js';
import { dropout } from '../functional/dropout.js';
import { linear } from '../functional/linear.js';
import { pyBool, pyFloat, warnOnce } from '../utils.js';
import type { FactoryOptions } from './linear.js';

export interface RNNOptions extends FactoryOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Use b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [N, T, features] instead of [T, N, features] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training (default 0). */
  dropout?: number;
  /** Run each layer both ways and concatenate (default false). */
  bidirectional?: boolean;
}

const shapeTuple = (s: readonly number[]): string => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
const shapeList = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** What RNN and GRU return: the output sequence and h_n; LSTM returns [output, [h_n, c_n]]. */
export type RNNResult<Out = Tensor> = [Out, Tensor];
export type LSTMResult<Out = Tensor> = [Out, [Tensor, Tensor]];

abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  protected constructor(
    protected readonly mode: RnnMode, readonly inputSize: number, readonly hiddenSize: number, options: RNNOptions,
  ) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new RangeError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    if (this.dropout > 0 && this.numLayers === 1) {
      warnOnce('dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects '
        + `num_layers greater than 1, but got dropout=${this.dropout} and num_layers=${this.numLayers}`);
    }
    if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) throw new RangeError('hidden_size must be greater than zero');
    if (!Number.isInteger(this.numLayers) || this.numLayers <= 0) throw new RangeError('num_layers must be greater than zero');
    const gateSize = hiddenSize * (mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1);
    const self = this as unknown as Record<string, Tensor>;
    // Registration order is PyTorch's (layer, direction, then w_ih, w_hh, b_ih, b_hh): state dicts and
    // the initialisation's draws line up.
    for (let layer = 0; layer < this.numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : hiddenSize * this.numDirections;
      for (let d = 0; d < this.numDirections; d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        self[`weight_ih${suffix}`] = Parameter(empty([gateSize, layerInput], { dtype: options.dtype }));
        self[`weight_hh${suffix}`] = Parameter(empty([gateSize, hiddenSize], { dtype: options.dtype }));
        if (this.bias) {
          self[`bias_ih${suffix}`] = Parameter(empty([gateSize], { dtype: options.dtype }));
          self[`bias_hh${suffix}`] = Parameter(empty([gateSize], { dtype: options.dtype }));
        }
      }
    }
    this.resetParameters();
  }

  get numDirections(): 1 | 2 {
    return this.bidirectional ? 2 : 1;
  }

  /** PyTorch's reset_parameters: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), in registration order. */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  private param(name: string): Tensor {
    return (this as unknown as Record<string, Tensor>)[name];
  }

  private layerParams(layer: number) {
    const names = Array.from({ length: this.numDirections }, (_, d) => `_l${layer}${d === 1 ? '_reverse' : ''}`);
    return {
      wIh: names.map((s) => this.param(`weight_ih${s}`)),
      wHh: names.map((s) => this.param(`weight_hh${s}`)),
      bIh: this.bias ? names.map((s) => this.param(`bias_ih${s}`)) : null,
      bHh: this.bias ? names.map((s) => this.param(`bias_hh${s}`)) : null,
    };
  }

  private checkHidden(h: Tensor, expected: number[], what: string): void {
    if (h.shape.length !== expected.length || h.shape.some((s, i) => s !== expected[i])) {
      throw new RangeError(`Expected ${what} size ${shapeTuple(expected)}, got ${shapeList(h.shape)}`);
    }
  }

  /** Runs the stack over a packed batch; states [L*D, N, H] in the caller's batch order. */
  protected runPacked(input: PackedSequence, hx: Tensor | null, cx: Tensor | null): [PackedSequence, Tensor, Tensor | null] {
    const name = this.constructor.name;
    if (input.data.ndim !== 2 || input.data.shape[1] !== this.inputSize) {
      throw new RangeError(`${name}: expected packed data [rows, ${this.inputSize}], got ${shapeList(input.data.shape)}`);
    }
    if (input.data.dtype !== 'float32') throw new TypeError(`${name}: expected a float32 input, got ${input.data.dtype}`);
    const N = input.steps[0], L = this.numLayers, D = this.numDirections, H = this.hiddenSize;
    const stateShape = [L * D, N, H];
    const lstm = this.mode === 'LSTM';
    // Given states are in the caller's order; the layers work in the packing's (longest first).
    const sorted = (h: Tensor, what: string): Tensor => {
      this.checkHidden(h, stateShape, what);
      return input.sortedIndices ? indexSelect(h, 1, input.sortedIndices) : h;
    };
    const h0 = hx ? sorted(hx, lstm ? 'hidden[0]' : 'hidden') : zeros(stateShape);
    const c0 = lstm ? (cx ? sorted(cx, 'hidden[1]') : zeros(stateShape)) : null;
    let x = input.data;
    const hs: Tensor[] = [], cs: Tensor[] = [];
    for (let layer = 0; layer < L; layer++) {
      const h = h0.narrow(0, layer * D, D), c = c0 ? c0.narrow(0, layer * D, D) : null;
      const r = packedLayer(this.mode, x, input.steps, h, c, this.layerParams(layer));
      hs.push(r.hn);
      if (r.cn) cs.push(r.cn);
      x = r.data;
      if (this.dropout > 0 && this.training && layer < L - 1) x = dropout(x, this.dropout, { training: true });
    }
    const unsorted = (h: Tensor): Tensor => (input.unsortedIndices ? indexSelect(h, 1, input.unsortedIndices) : h);
    const hn = unsorted(L === 1 ? hs[0] : cat(hs, 0));
    const cn = lstm ? unsorted(L === 1 ? cs[0] : cat(cs, 0)) : null;
    return [input.withData(x), hn, cn];
  }

  /** Runs the stack: input [T, N, I] (or batch-first, or unbatched [T, I]); states [L*D, N, H]. */
  protected run(input: Tensor, hx: Tensor | null, cx: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const name = this.constructor.name;
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new RangeError(`${name}: Expected input to be 2-D or 3-D but received ${input.ndim}-D tensor`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new RangeError(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${input.shape[input.ndim - 1]}`);
    }
    const batched = input.ndim === 3;
    for (const h of [hx, cx]) {
      if (h && h.ndim !== (batched ? 3 : 2)) {
        throw new RangeError(batched
          ? `For batched 3-D input, hx and cx should also be 3-D but got (${hx?.ndim}-D, ${cx?.ndim ?? hx?.ndim}-D) tensors`
          : `For unbatched 2-D input, hx and cx should also be 2-D but got (${hx?.ndim}-D, ${cx?.ndim ?? hx?.ndim}-D) tensors`);
      }
    }
    let x = batched ? input : input.unsqueeze(1);
    if (batched && this.batchFirst) x = x.transpose(0, 1);
    const N = x.shape[1], L = this.numLayers, D = this.numDirections, H = this.hiddenSize;
    const stateShape = [L * D, N, H];
    const lstm = this.mode === 'LSTM';
    const h0 = hx ? (batched ? hx : hx.unsqueeze(1)) : zeros(stateShape, { dtype: input.dtype });
    const c0 = lstm ? (cx ? (batched ? cx : cx.unsqueeze(1)) : zeros(stateShape, { dtype: input.dtype })) : null;
    this.checkHidden(h0, stateShape, lstm ? 'hidden[0]' : 'hidden');
    if (c0) this.checkHidden(c0, stateShape, 'hidden[1]');
    // Inside an autocast region the layers run as PyTorch 1.13 runs them there (see rnn_autocast.ts).
    const autocasting = cpuAutocast.enabled && input.dtype !== 'float64';
    if (input.dtype !== 'float32' && !autocasting) throw new TypeError(`${name}: expected a float32 input, got ${input.dtype}`);
    const fused = autocasting && runsFused(this.mode, this.layerParams(0));
    const hs: Tensor[] = [], cs: Tensor[] = [];
    for (let layer = 0; layer < L; layer++) {
      const h = h0.narrow(0, layer * D, D), c = c0 ? c0.narrow(0, layer * D, D) : null;
      const layerParams = this.layerParams(layer);
      const r = fused ? fusedLayer(this.mode, x, h, c, layerParams)
        : autocasting ? autocastLayer(this.mode, x, h, c, layerParams)
          : rnnLayer(this.mode, x, h, c, layerParams);
      hs.push(r.hn);
      if (r.cn) cs.push(r.cn);
      x = r.output;
      if (this.dropout > 0 && this.training && layer < L - 1) x = dropout(x, this.dropout, { training: true });
    }
    // The fused layers keep bfloat16 between them; the composite's LSTM and GRU give float32 (rnn_autocast.ts).
    const composite = (t: Tensor): Tensor => (fused && this.mode !== 'RNN_TANH' && this.mode !== 'RNN_RELU' ? t.float() : t);
    x = composite(x);
    let output = batched && this.batchFirst ? x.transpose(0, 1) : x;
    let hn = composite(L === 1 ? hs[0] : cat(hs, 0));
    let cn = lstm ? (L === 1 ? cs[0] : cat(cs, 0)) : null;
    if (!batched) {
      output = output.squeeze(1);
      hn = hn.squeeze(1);
      cn = cn ? cn.squeeze(1) : null;
    }
    return [output, hn, cn];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += ', bidirectional=True';
    return s;
  }
}

export interface ElmanRNNOptions extends RNNOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh). Returns [output, h_n].
 *
 * @example
 * const rnn = new nn.RNN(128, 256, { batchFirst: true });
 * const [output, hn] = rnn.forward(torch.randn(64, 200, 128)); // [64, 200, 256], [1, 64, 256]
 */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, options: ElmanRNNOptions = {}) {
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new RangeError(`Unknown nonlinearity '${String(nonlinearity)}'`);
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  forward(input: Tensor, hx?: Tensor | null): RNNResult;
  forward(input: PackedSequence, hx?: Tensor | null): RNNResult<PackedSequence>;
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null): RNNResult<Tensor | PackedSequence> {
    const [output, hn] = input instanceof PackedSequence ? this.runPacked(input, hx, null) : this.run(input, hx, null);
    return [output, hn];
  }
}

/**
 * LSTM with PyTorch's gates (i, f, g, o). Returns [output, [h_n, c_n]].
 *
 * @example
 * const lstm = new nn.LSTM(128, 256, { numLayers: 2, bidirectional: true, dropout: 0.3, batchFirst: true });
 * const [output, [hn, cn]] = lstm.forward(torch.randn(64, 200, 128)); // output [64, 200, 512], hn [4, 64, 256]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: [Tensor, Tensor] | null): LSTMResult;
  forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): LSTMResult<PackedSequence>;
  forward(input: Tensor | PackedSequence, hx: [Tensor, Tensor] | null = null): LSTMResult<Tensor | PackedSequence> {
    const [h, c] = hx ?? [null, null];
    const [output, hn, cn] = input instanceof PackedSequence ? this.runPacked(input, h, c) : this.run(input, h, c);
    return [output, [hn, cn!]];
  }
}

/**
 * GRU with PyTorch's gates (r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). Returns [output, h_n].
 *
 * @example
 * const gru = new nn.GRU(32, 64);
 * const [output, hn] = gru.forward(torch.randn(10, 4, 32)); // [10, 4, 64], [1, 4, 64]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: Tensor | null): RNNResult;
  forward(input: PackedSequence, hx?: Tensor | null): RNNResult<PackedSequence>;
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null): RNNResult<Tensor | PackedSequence> {
    const [output, hn] = input instanceof PackedSequence ? this.runPacked(input, hx, null) : this.run(input, hx, null);
    return [output, hn];
  }
}

// ---------------------------------------------------------------- cells (one time step, composites)

abstract class RNNCellBase extends Module {
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;

  protected constructor(readonly inputSize: number, readonly hiddenSize: number, readonly bias: boolean, gates: number, options: FactoryOptions) {
    super();
    if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) throw new RangeError('hidden_size must be greater than zero');
    this.weight_ih = Parameter(empty([gates * hiddenSize, inputSize], { dtype: options.dtype }));
    this.weight_hh = Parameter(empty([gates * hiddenSize, hiddenSize], { dtype: options.dtype }));
    this.bias_ih = bias ? Parameter(empty([gates * hiddenSize], { dtype: options.dtype })) : null;
    this.bias_hh = bias ? Parameter(empty([gates * hiddenSize], { dtype: options.dtype })) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** Input [N, I] or unbatched [I]; returns the batched input and whether to squeeze the result. */
  protected prepare(input: Tensor, hx: Tensor | null): { x: Tensor; h: Tensor | null; unbatched: boolean } {
    const name = this.constructor.name;
    if (input.ndim !== 1 && input.ndim !== 2) throw new RangeError(`${name}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor`);
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new RangeError(`input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize}`);
    }
    const unbatched = input.ndim === 1;
    const x = unbatched ? input.unsqueeze(0) : input;
    const h = hx ? (unbatched ? hx.unsqueeze(0) : hx) : null;
    if (h && (h.ndim !== 2 || h.shape[0] !== x.shape[0] || h.shape[1] !== this.hiddenSize)) {
      throw new RangeError(`${name}: expected hidden state of shape ${shapeList([x.shape[0], this.hiddenSize])}, got ${shapeList(hx!.shape)}`);
    }
    return { x, h, unbatched };
  }

  protected gates(x: Tensor, h: Tensor): [Tensor, Tensor] {
    return [linear(x, this.weight_ih, this.bias_ih), linear(h, this.weight_hh, this.bias_hh)];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : `, bias=${pyBool(false)}`}`;
  }
}

/**
 * One Elman step: h' = act(W_ih x + b_ih + W_hh h + b_hh).
 *
 * @example
 * const cell = new nn.RNNCell(10, 20);
 * const h = cell.forward(torch.randn(3, 10)); // [3, 20]
 */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean; nonlinearity?: 'tanh' | 'relu' } & FactoryOptions = {}) {
    super(inputSize, hiddenSize, options.bias ?? true, 1, options);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
    if (this.nonlinearity !== 'tanh' && this.nonlinearity !== 'relu') throw new RangeError(`Unknown nonlinearity: ${String(this.nonlinearity)}`);
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity !== 'tanh' ? `, nonlinearity=${this.nonlinearity}` : '');
  }

  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const { x, h, unbatched } = this.prepare(input, hx);
    const [gi, gh] = this.gates(x, h ?? zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype }));
    const pre = gi.add(gh);
    const out = this.nonlinearity === 'tanh' ? pre.tanh() : pre.relu();
    return unbatched ? out.squeeze(0) : out;
  }
}

/**
 * One LSTM step; returns [h', c'].
 *
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * const [h, c] = cell.forward(torch.randn(3, 10));
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean } & FactoryOptions = {}) {
    super(inputSize, hiddenSize, options.bias ?? true, 4, options);
  }

  forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const { x, h, unbatched } = this.prepare(input, hx ? hx[0] : null);
    const c0 = hx ? (unbatched ? hx[1].unsqueeze(0) : hx[1]) : zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype });
    const [gi, gh] = this.gates(x, h ?? zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype }));
    const [i, f, g, o] = gi.add(gh).chunk(4, 1);
    const c = f.sigmoid().mul(c0).add(i.sigmoid().mul(g.tanh()));
    const hNew = o.sigmoid().mul(c.tanh());
    return unbatched ? [hNew.squeeze(0), c.squeeze(0)] : [hNew, c];
  }
}

/**
 * One GRU step: r, z from the summed projections; n = tanh(W_in x + b_in + r * (W_hn h + b_hn));
 * h' = (1 - z) * n + z * h.
 *
 * @example
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell.forward(torch.randn(3, 10)); // [3, 20]
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean } & FactoryOptions = {}) {
    super(inputSize, hiddenSize, options.bias ?? true, 3, options);
  }

  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const { x, h, unbatched } = this.prepare(input, hx);
    const h0 = h ?? zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype });
    const [gi, gh] = this.gates(x, h0);
    const [ir, iz, inn] = gi.chunk(3, 1);
    const [hr, hz, hn] = gh.chunk(3, 1);
    const r = ir.add(hr).sigmoid(), z = iz.add(hz).sigmoid();
    const n = inn.add(r.mul(hn)).tanh();
    const out = n.add(z.mul(h0.sub(n)));
    return unbatched ? out.squeeze(0) : out;
  }
}
