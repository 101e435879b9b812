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
}

const fixture = loadFixture<{
  cases: RnnCase[];
  inits: { cls: RnnCase['cls']; args: number[]; kwargs: Record<string, unknown>; state: Record<string, EncodedTensor> }[];
}>('rnn.json');
const f32 = (e: EncodedTensor): EncodedTensor => ({ ...e, dtype: 'float32' });

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
      const outs = forward(m, c.cls, x, states);
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
