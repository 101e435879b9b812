/**
 * Recurrent layers vs PyTorch (test/fixtures/rnn.json from tools/gen_rnn_fixtures.py): outputs, final states
 * and the gradients of the input, the initial states and every parameter; initialisation; printing; and the
 * errors bad shapes give. (The single-layer op also gets a float32 finite-difference check in test/ops.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { loadFixture, fromFixture, type EncodedTensor } from '../helpers.js';
import { assertClose, decodeValue } from './fixture.js';

interface RnnCase {
  name: string;
  cls: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  args: number[];
  kwargs: Record<string, unknown>;
  mode: 'train' | 'eval';
  state: Record<string, EncodedTensor>;
  input: EncodedTensor;
  states: EncodedTensor[];
  outputs: EncodedTensor[];
  gradOutputs: EncodedTensor[];
  inputGrad: EncodedTensor;
  stateGrads: EncodedTensor[];
  paramGrads: Record<string, EncodedTensor>;
  /** Packed cases: each sequence's length, and whether they came sorted. */
  lengths?: number[];
  enforceSorted?: boolean;
}

const fixture = loadFixture<{
  cases: RnnCase[];
  inits: { cls: RnnCase['cls']; args: number[]; kwargs: Record<string, unknown>; state: Record<string, EncodedTensor> }[];
  packing: {
    padded: EncodedTensor; lengths: number[]; data: EncodedTensor; batchSizes: number[];
    sortedIndices: number[]; unsortedIndices: number[]; unpacked: EncodedTensor;
    sequences: EncodedTensor[]; padSequence: EncodedTensor; packSequence: EncodedTensor;
  };
}>('rnn.json');
const f32 = (e: EncodedTensor): EncodedTensor => ({ ...e, dtype: 'float32' });

/** Runs a packed case: packs x, runs the layer and unpacks the output to the padded batch PyTorch recorded. */
function forwardPacked(m: nn.Module, c: RnnCase, x: Tensor, states: Tensor[]): Tensor[] {
  const batchFirst = c.kwargs.batch_first === true;
  const packed = nn.utils.rnn.packPaddedSequence(x, c.lengths!, { batchFirst, enforceSorted: c.enforceSorted });
  const hx = states.length === 0 ? null : states;
  const unpack = (p: nn.PackedSequence) => nn.utils.rnn.padPackedSequence(p, { batchFirst })[0];
  if (c.cls === 'LSTM') {
    const [out, [h, cell]] = (m as nn.LSTM).forward(packed, hx ? [hx[0], hx[1]] : null);
    return [unpack(out), h, cell];
  }
  const [out, h] = (m as nn.RNN).forward(packed, hx ? hx[0] : null);
  return [unpack(out), h];
}

/** Runs a module the way its PyTorch case did and returns the flattened outputs. */
function forward(m: nn.Module, cls: RnnCase['cls'], x: Tensor, states: Tensor[]): Tensor[] {
  const hx = states.length === 0 ? null : states;
  switch (cls) {
    case 'LSTM': {
      const [out, [h, c]] = (m as nn.LSTM).forward(x, hx ? [hx[0], hx[1]] : null);
      return [out, h, c];
    }
    case 'RNN': case 'GRU': {
      const [out, h] = (m as nn.RNN).forward(x, hx ? hx[0] : null);
      return [out, h];
    }
    case 'LSTMCell': return (m as nn.LSTMCell).forward(x, hx ? [hx[0], hx[1]] : null);
    default: return [(m as nn.RNNCell).forward(x, hx ? hx[0] : null)];
  }
}

function build(c: RnnCase): nn.Module {
  const Cls = nn[c.cls] as unknown as new (...args: unknown[]) => nn.Module;
  const m = new Cls(...c.args, decodeValue(c.kwargs));
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromFixture(f32(v))])));
  m.train(c.mode === 'train');
  return m;
}

// float32 over a recurrence: oneDNN and PyTorch sum the gate products in different orders, and the rounding
// differences compound over the time steps (about 1e-6 relative per step here).
const TOL = { rtol: 1e-5, atol: 1e-5 };

for (const c of fixture.cases) {
  test(`${c.name} matches PyTorch`, () => {
    torch.tidy(() => {
      const m = build(c);
      const x = fromFixture(f32(c.input)).requiresGrad_(true);
      const states = c.states.map((s) => fromFixture(f32(s)).requiresGrad_(true));
      const outs = c.lengths ? forwardPacked(m, c, x, states) : forward(m, c.cls, x, states);
      assert.equal(outs.length, c.outputs.length);
      outs.forEach((o, i) => assertClose(o, f32(c.outputs[i]), `output ${i}`, TOL));
      let loss = torch.zeros([]);
      outs.forEach((o, i) => { loss = loss.add(o.mul(fromFixture(f32(c.gradOutputs[i]))).sum()); });
      loss.backward();
      assertClose(x.grad!, f32(c.inputGrad), 'input gradient', TOL);
      states.forEach((s, i) => assertClose(s.grad!, f32(c.stateGrads[i]), `initial state ${i} gradient`, TOL));
      const params = new Map(m.namedParameters());
      assert.deepEqual([...params.keys()].sort(), Object.keys(c.paramGrads).sort(), 'parameter names');
      for (const [name, g] of Object.entries(c.paramGrads)) assertClose(params.get(name)!.grad!, f32(g), `${name} gradient`, TOL);
    });
  });
}

test('recurrent layers reject bad shapes with PyTorch-like messages', () => {
  torch.tidy(() => {
    const lstm = new nn.LSTM(4, 3, { numLayers: 2 });
    assert.throws(() => lstm.forward(torch.randn([2, 3, 5, 4])), /LSTM: Expected input to be 2-D or 3-D but received 4-D tensor/);
    assert.throws(() => lstm.forward(torch.randn([5, 2, 6])), /input.size\(-1\) must be equal to input_size. Expected 4, got 6/);
    assert.throws(() => lstm.forward(torch.randn([5, 2, 4]), [torch.zeros([1, 2, 3]), torch.zeros([2, 2, 3])]),
      /Expected hidden\[0\] size \(2, 2, 3\), got \[1, 2, 3\]/);
    assert.throws(() => new nn.GRU(4, 3).forward(torch.randn([5, 2, 4]), torch.zeros([1, 3, 3])), /Expected hidden size \(1, 2, 3\), got \[1, 3, 3\]/);
    assert.throws(() => new nn.RNN(4, 3, { nonlinearity: 'sigmoid' as 'tanh' }), /Unknown nonlinearity 'sigmoid'/);
    assert.throws(() => new nn.RNN(4, 0), /hidden_size must be greater than zero/);
    const emb = new nn.Embedding(10, 4);
    assert.throws(() => emb.forward(torch.tensor([[1, 10]], { dtype: 'int64' })), /out of (bounds|range)/);
  });
});

test('packing and unpacking match PyTorch', () => {
  torch.tidy(() => {
    const p = fixture.packing;
    const packed = nn.utils.rnn.packPaddedSequence(fromFixture(f32(p.padded)), p.lengths, { batchFirst: true, enforceSorted: false });
    assertClose(packed.data, f32(p.data), 'packed data', { rtol: 0, atol: 0 });
    assert.deepEqual(packed.steps, p.batchSizes);
    assert.deepEqual(packed.batchSizes.tolist(), p.batchSizes);
    assert.deepEqual(packed.sortedIndices!.tolist(), p.sortedIndices);
    assert.deepEqual(packed.unsortedIndices!.tolist(), p.unsortedIndices);
    const [unpacked, lengths] = nn.utils.rnn.padPackedSequence(packed, { paddingValue: -1, totalLength: 5 });
    assertClose(unpacked, f32(p.unpacked), 'unpacked', { rtol: 0, atol: 0 });
    assert.deepEqual(lengths.tolist(), p.lengths);
    const sequences = p.sequences.map((e) => fromFixture(f32(e)));
    assertClose(nn.utils.rnn.padSequence(sequences, { batchFirst: true, paddingValue: 9 }), f32(p.padSequence), 'pad_sequence', { rtol: 0, atol: 0 });
    assertClose(nn.utils.rnn.packSequence(sequences, { enforceSorted: false }).data, f32(p.packSequence), 'pack_sequence', { rtol: 0, atol: 0 });
  });
});

test('packing rejects bad lengths with PyTorch\'s messages', () => {
  torch.tidy(() => {
    const { packPaddedSequence, padPackedSequence, packSequence } = nn.utils.rnn;
    const x = torch.randn([5, 3, 2]);
    assert.throws(() => packPaddedSequence(x, [3, 4, 2]), /`lengths` array must be sorted in decreasing order when `enforce_sorted` is True/);
    assert.throws(() => packSequence([torch.ones([2, 2]), torch.ones([3, 2])]), /must be sorted in decreasing order/);
    assert.throws(() => packPaddedSequence(x, [3, 2]), /Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)/);
    assert.throws(() => packPaddedSequence(x, [4, 3, 0]), /Length of all samples has to be greater than 0/);
    assert.throws(() => packPaddedSequence(x, [6, 3, 2]), /a sequence has length 6 but the padded input has only 5 steps/);
    assert.throws(() => packPaddedSequence(x, torch.tensor([[3, 2, 2]], { dtype: 'int64' })), /'lengths' argument should be a 1D/);
    const packed = packPaddedSequence(x, [3, 2, 2]);
    assert.throws(() => padPackedSequence(packed, { totalLength: 2 }),
      /Expected total_length to be at least the length of the longest sequence in input, but got total_length=2 and max sequence length being 3/);
    const lstm = new nn.LSTM(2, 3);
    assert.throws(() => lstm.forward(packed, [torch.zeros([1, 2, 3]), torch.zeros([1, 2, 3])]), /Expected hidden\[0\] size \(1, 3, 3\), got \[1, 2, 3\]/);
    assert.throws(() => new nn.GRU(4, 3).forward(packed), /GRU: expected packed data \[rows, 4\], got \[7, 2\]/);
  });
});

test('padding does not change a packed batch\'s final states', () => {
  torch.tidy(() => {
    torch.manualSeed(3);
    const lstm = new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true });
    const lengths = [2, 6, 4];
    const x = torch.randn([3, 6, 3]);
    const garbage = x.add(torch.randn([3, 6, 3]).mul(10)); // other values after each sequence's end
    const mask = torch.tensor(lengths.map((n) => Array.from({ length: 6 }, (_, t) => [t < n ? 1 : 0]))).expand([3, 6, 3]);
    const y = x.mul(mask).add(garbage.mul(mask.neg().add(1)));
    const run = (input: Tensor) => lstm.forward(nn.utils.rnn.packPaddedSequence(input, lengths, { batchFirst: true, enforceSorted: false }))[1];
    const [h1, c1] = run(x), [h2, c2] = run(y);
    assertClose(h2, { shape: h1.shape, data: Array.from(h1.dataSync() as Float32Array), dtype: 'float32' }, 'h_n', { rtol: 0, atol: 0 });
    assertClose(c2, { shape: c1.shape, data: Array.from(c1.dataSync() as Float32Array), dtype: 'float32' }, 'c_n', { rtol: 0, atol: 0 });
    // And each sequence alone gives the same final state.
    lengths.forEach((n, i) => {
      const [, [h]] = lstm.forward(x.narrow(0, i, 1).narrow(1, 0, n));
      const want = h1.narrow(1, i, 1);
      assert.ok(h.sub(want).abs().max().item() < 1e-6, `sequence ${i} alone`);
    });
  });
});

test('recurrent modules print as PyTorch prints them', () => {
  torch.tidy(() => {
    assert.equal(new nn.RNN(3, 4, { nonlinearity: 'relu', numLayers: 2, dropout: 0.5 }).toString(), 'RNN(3, 4, num_layers=2, dropout=0.5)');
    assert.equal(new nn.LSTM(3, 4, { bias: false, batchFirst: true, bidirectional: true }).toString(),
      'LSTM(3, 4, bias=False, batch_first=True, bidirectional=True)');
    assert.equal(new nn.RNNCell(3, 4, { nonlinearity: 'relu' }).toString(), 'RNNCell(3, 4, nonlinearity=relu)');
    assert.equal(new nn.GRUCell(3, 4, { bias: false }).toString(), 'GRUCell(3, 4, bias=False)');
  });
});

test('initialisation after manualSeed draws what PyTorch draws, in its parameter order', () => {
  for (const init of fixture.inits) {
    torch.tidy(() => {
      torch.manualSeed(5);
      const Cls = nn[init.cls] as unknown as new (...args: unknown[]) => nn.Module;
      const sd = new Cls(...init.args, decodeValue(init.kwargs)).stateDict();
      assert.deepEqual(Object.keys(sd), Object.keys(init.state), `${init.cls} state-dict keys`);
      for (const [k, v] of Object.entries(init.state)) assertClose(sd[k], f32(v), `${init.cls} ${k}`, { rtol: 0, atol: 0 });
    });
  }
});
