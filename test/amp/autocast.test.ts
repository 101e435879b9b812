/**
 * torch.autocast on the CPU against PyTorch 1.13 (test/fixtures/amp.json, tools/gen_amp_fixtures.py):
 * every case's output dtype under autocast; values of linear, conv2d, matmul, bmm, an LSTM cell and layer
 * and a small CNN's loss and gradients at bfloat16 tolerance (rtol 1.6e-2, atol 1e-5). PyTorch 1.13's own
 * bfloat16 convolution and matrix products on a CPU without AVX-512 accumulate in bfloat16 (the fixture
 * records how many of their elements then miss a float32-accumulated result at that tolerance), so random
 * cases compare with PyTorch computing the same casts with float32 accumulation and one rounding (what its
 * AVX-512/AMX kernels and antorcha do), and `_exact` cases, whose arithmetic is exact in bfloat16, compare
 * with PyTorch's own autocast output bit for bit. Also: the region's state, nesting, exceptions, promises,
 * the weight cache and its invalidation by in-place updates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, Tensor } from '../../src/index.js';
import { castCacheSize } from '../../src/amp/cache.js';
import { cpuPolicy } from '../../src/amp/policy.js';
import { hasNativeBfloat16Rnn } from '../../src/amp/native_support.js';
import { fromFixture, loadFixture, mismatch, relativeError, tolerance, type EncodedTensor } from '../helpers.js';

const F = nn.functional;

interface ValueCase {
  inputs: EncodedTensor[];
  params?: Record<string, EncodedTensor>;
  expected: EncodedTensor | EncodedTensor[];
  pytorchAccumulationMismatches?: number;
}
interface CnnCase {
  inputs: [EncodedTensor, EncodedTensor];
  params: Record<string, EncodedTensor>;
  logits: EncodedTensor;
  loss: EncodedTensor;
  grads: Record<string, EncodedTensor>;
  gradDtypes: Record<string, string>;
  pytorchAccumulationMismatches: number;
}
interface RecurrentGradCase extends ValueCase {
  grads: Record<string, EncodedTensor>;
}
interface AmpFixture {
  torch: string;
  registrations: string[];
  dtypes: Record<string, string>;
  values: Record<string, ValueCase> & { simple_cnn: CnnCase; lstm_grad: RecurrentGradCase; gru_grad: RecurrentGradCase };
}

const fixture = loadFixture<AmpFixture>('amp.json');
const bf16 = { rtol: 1.6e-2, atol: 1e-5 };
const cpuBf16 = { deviceType: 'cpu', dtype: 'bfloat16' } as const;

function ac<T>(fn: () => T): T {
  return torch.autocast(cpuBf16, fn);
}

const r = (...shape: number[]) => torch.randn(shape);
const bf = (...shape: number[]) => torch.randn(shape).bfloat16();
const labels = (n: number, c: number) => torch.randint(0, c, [n]);

function simpleCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(),
    new nn.Linear(8, 3));
}

/** The fixture's value_cnn: simpleCnn without its batch norm (see cnn_case in the generator). */
function valueCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(4, 8, 3, { padding: 1 }),
    new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(8, 3));
}

/** The twins of tools/gen_amp_fixtures.py's DTYPE_CASES. */
const dtypeCases: Record<string, () => Tensor> = {
  conv1d: () => F.conv1d(r(2, 3, 8), r(4, 3, 3), r(4)),
  conv2d: () => F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), r(4), { padding: 1 }),
  conv2d_bf16_input: () => F.conv2d(bf(2, 3, 8, 8), r(4, 3, 3, 3)),
  conv2d_module: () => new nn.Conv2d(3, 4, 3).forward(r(2, 3, 8, 8)),
  conv1d_module: () => new nn.Conv1d(3, 4, 3).forward(r(2, 3, 8)),
  linear: () => F.linear(r(4, 6), r(5, 6), r(5)),
  linear_3d_no_bias: () => F.linear(r(2, 4, 6), r(5, 6)),
  linear_module: () => new nn.Linear(6, 5).forward(r(4, 6)),
  matmul: () => torch.matmul(r(3, 5, 6), r(6, 4)),
  matmul_1d: () => torch.matmul(r(6), r(6)),
  matmul_bf16_f32: () => torch.matmul(bf(3, 6), r(6, 4)),
  matmul_float64: () => torch.matmul(r(3, 6).double(), r(6, 4).double()),
  matmul_int64: () => torch.matmul(torch.ones([3, 6], { dtype: 'int64' }), torch.ones([6, 4], { dtype: 'int64' })),
  mm: () => torch.mm(r(3, 6), r(6, 4)),
  bmm: () => torch.bmm(r(2, 3, 6), r(2, 6, 4)),
  prod: () => bf(3, 4).prod(),
  prod_dim: () => bf(3, 4).prod(1),
  pad_reflect_1d: () => F.pad(bf(2, 3, 5), [1, 2], 'reflect'),
  pad_reflect_2d: () => F.pad(bf(2, 3, 5, 5), [1, 1, 2, 2], 'reflect'),
  pad_replicate_1d: () => F.pad(bf(2, 3, 5), [1, 2], 'replicate'),
  pad_replicate_2d: () => F.pad(bf(2, 3, 5, 5), [1, 1, 2, 2], 'replicate'),
  pad_replicate_3d: () => F.pad(bf(1, 2, 3, 4, 4), [1, 1, 1, 1, 1, 1], 'replicate'),
  mse_loss: () => F.mseLoss(bf(4, 5), r(4, 5)),
  mse_loss_bf16_bf16: () => F.mseLoss(bf(4, 5), bf(4, 5)),
  l1_loss: () => F.l1Loss(bf(4, 5), bf(4, 5)),
  smooth_l1_loss: () => F.smoothL1Loss(bf(4, 5), bf(4, 5)),
  huber_loss: () => F.huberLoss(bf(4, 5), bf(4, 5)),
  cross_entropy: () => F.crossEntropy(bf(4, 5), labels(4, 5)),
  cross_entropy_probs: () => F.crossEntropy(bf(4, 5), torch.rand([4, 5]).softmax(1)),
  nll_loss: () => F.nllLoss(bf(4, 5).logSoftmax(1), labels(4, 5)),
  binary_cross_entropy: () => F.binaryCrossEntropy(torch.rand([4, 5]).bfloat16(), torch.rand([4, 5])),
  binary_cross_entropy_with_logits: () => F.binaryCrossEntropyWithLogits(bf(4, 5), torch.rand([4, 5])),
  cat_mixed: () => torch.cat([bf(2, 3), r(2, 3)]),
  cat_bf16: () => torch.cat([bf(2, 3), bf(2, 3)]),
  stack_mixed: () => torch.stack([bf(2, 3), r(2, 3)]),
  pad_constant: () => F.pad(bf(2, 3, 5, 5), [1, 1, 1, 1]),
  pad_circular: () => F.pad(bf(2, 3, 5, 5), [1, 1, 1, 1], 'circular'),
  softmax_bf16: () => F.softmax(bf(4, 5), 1),
  log_softmax_bf16: () => F.logSoftmax(bf(4, 5), 1),
  softmax_f32: () => F.softmax(r(4, 5), 1),
  exp_bf16: () => bf(4, 5).exp(),
  log_bf16: () => bf(4, 5).abs().log(),
  sum_bf16: () => bf(4, 5).sum(),
  mean_bf16: () => bf(4, 5).mean(),
  add_bf16_f32: () => bf(4, 5).add(r(4, 5)),
  mul_bf16_scalar: () => bf(4, 5).mul(2.5),
  relu_bf16: () => F.relu(bf(4, 5)),
  gelu_bf16: () => F.gelu(bf(4, 5)),
  sigmoid_bf16: () => torch.sigmoid(bf(4, 5)),
  max_pool2d_bf16: () => F.maxPool2d(bf(2, 3, 8, 8), 2),
  avg_pool2d_bf16: () => F.avgPool2d(bf(2, 3, 8, 8), 2),
  adaptive_avg_pool2d_bf16: () => F.adaptiveAvgPool2d(bf(2, 3, 8, 8), 1),
  batch_norm_train_bf16: () => { const m = new nn.BatchNorm2d(3); m.train(); return m.forward(bf(2, 3, 4, 4)); },
  batch_norm_eval_bf16: () => { const m = new nn.BatchNorm2d(3); m.eval(); return m.forward(bf(2, 3, 4, 4)); },
  layer_norm_f32: () => new nn.LayerNorm(5).forward(r(4, 5)),
  dropout_bf16: () => F.dropout(bf(4, 5), 0.5),
  embedding: () => new nn.Embedding(10, 4).forward(torch.tensor([[1, 2], [3, 4]], { dtype: 'int64' })),
  lstm: () => new nn.LSTM(4, 5).forward(r(3, 2, 4))[0],
  lstm_h_n: () => new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true }).forward(r(3, 2, 4))[1][0],
  gru: () => new nn.GRU(4, 5, { batchFirst: true }).forward(r(2, 3, 4))[0],
  rnn: () => new nn.RNN(4, 5).forward(r(3, 2, 4))[0],
  lstm_cell: () => new nn.LSTMCell(4, 5).forward(r(2, 4))[0],
  gru_cell: () => new nn.GRUCell(4, 5).forward(r(2, 4)),
  rnn_cell: () => new nn.RNNCell(4, 5).forward(r(2, 4)),
  multihead_attention: () => new nn.MultiheadAttention(4, 2).forward(r(3, 1, 4), r(3, 1, 4), r(3, 1, 4))[0],
  simple_cnn: () => simpleCnn().forward(r(2, 1, 8, 8)),
};

test('the dtype cases are the fixture\'s, one for one', () => {
  assert.deepEqual(Object.keys(dtypeCases).sort(), Object.keys(fixture.dtypes).sort());
});

for (const [name, expected] of Object.entries(fixture.dtypes)) {
  test(`autocast dtype: ${name} gives ${expected}, as PyTorch ${fixture.torch}`, () => {
    torch.manualSeed(0);
    torch.tidy(() => {
      const y = ac(dtypeCases[name]);
      assert.equal(y.dtype, expected);
    });
  });
}

test('every op of the policy table is a PyTorch 1.13 AutocastCPU registration', () => {
  const registered = new Set(fixture.registrations.map((n) => n.replace(/^aten::/, '').replace(/\..*$/, '')));
  for (const op of Object.keys(cpuPolicy)) assert.ok(registered.has(op), `${op} is not registered for AutocastCPU`);
});

test('outside a region the policy does nothing', () => {
  assert.equal(torch.matmul(r(3, 6), r(6, 4)).dtype, 'float32');
  assert.equal(F.mseLoss(bf(4, 5), bf(4, 5)).dtype, 'bfloat16');
});

// ------------------------------------------------------------------------------------------- values

function check(actual: Tensor, expected: EncodedTensor, what: string, tol = tolerance(expected.dtype)): void {
  assert.equal(mismatch(actual, expected, tol), null, what);
}

test('linear under autocast matches PyTorch\'s bfloat16 linear', () => {
  const c = fixture.values.linear;
  const [x, w, b] = c.inputs.map((e) => fromFixture(e));
  check(ac(() => F.linear(x, w, b)), c.expected as EncodedTensor, 'linear', bf16);
});

const products: Record<string, (...t: Tensor[]) => Tensor> = {
  conv2d: (x, w, b) => F.conv2d(x, w, b, { padding: 1 }),
  matmul: (a, b) => torch.matmul(a, b),
  bmm: (a, b) => torch.bmm(a, b),
};
for (const [name, fn] of Object.entries(products)) {
  test(`${name} under autocast: float32-accumulated bfloat16 result at bfloat16 tolerance`, () => {
    const c = fixture.values[name];
    const args = c.inputs.map((e) => fromFixture(e));
    check(ac(() => fn(...args)), c.expected as EncodedTensor, name, bf16);
  });
  test(`${name} under autocast: PyTorch's own output, bit for bit, where bfloat16 arithmetic is exact`, () => {
    const c = fixture.values[`${name}_exact`];
    const args = c.inputs.map((e) => fromFixture(e));
    check(ac(() => fn(...args)), c.expected as EncodedTensor, `${name}_exact`, { rtol: 0, atol: 0 });
  });
}

function loadInto(module: nn.Module, params: Record<string, EncodedTensor>): void {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(params)) sd[k] = fromFixture(v);
  module.loadStateDict(sd);
}

test('LSTMCell under autocast: bfloat16 gates, float32 state, as PyTorch', () => {
  const c = fixture.values.lstm_cell;
  const cell = new nn.LSTMCell(6, 5);
  loadInto(cell, c.params!);
  const [h, cc] = ac(() => cell.forward(fromFixture(c.inputs[0])));
  const [eh, ec] = c.expected as EncodedTensor[];
  check(h, eh, 'h', bf16);
  check(cc, ec, 'c', bf16);
});

type Recurrent = nn.LSTM | nn.GRU | nn.RNN;
const recurrent: Record<string, () => Recurrent> = {
  lstm: () => new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true }),
  gru: () => new nn.GRU(4, 5, { bidirectional: true }),
  rnn: () => new nn.RNN(4, 5, { numLayers: 2 }),
};
const modeOf = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN_TANH' } as const;
// The composite computes what PyTorch 1.13's does, so each element agrees at bfloat16 tolerance. A fused
// bfloat16 layer (the own LSTM loop; oneDNN's primitive on AVX-512/AMX CPUs) rounds elsewhere (gate sums in
// float32, hidden states in bfloat16): elements near zero land further apart than an element-wise tolerance
// allows, so it is held to PyTorch's dtypes and to bfloat16 precision over each tensor.
for (const [name, make] of Object.entries(recurrent)) {
  const fusedRecurrent = hasNativeBfloat16Rnn(modeOf[name as keyof typeof modeOf]);
  const how = fusedRecurrent ? 'fused bfloat16 layer: values within bfloat16 precision over each tensor' : 'bfloat16 gate products: values element by element';
  test(`${name} layers under autocast (${how}), PyTorch's dtypes`, () => {
    const c = fixture.values[name];
    const layer = make();
    loadInto(layer, c.params!);
    const [out, hidden] = ac(() => (layer.forward as (x: Tensor) => [Tensor, Tensor | [Tensor, Tensor]])(fromFixture(c.inputs[0])));
    const states = Array.isArray(hidden) ? hidden : [hidden];
    const expected = c.expected as EncodedTensor[];
    [out, ...states].forEach((t, i) => {
      const what = i === 0 ? 'output' : `state ${i - 1}`;
      if (!fusedRecurrent) return check(t, expected[i], what, bf16);
      assert.equal(t.dtype, expected[i].dtype, `${what} dtype`);
      const err = relativeError(t, fromFixture(expected[i]));
      assert.ok(err < 1.6e-2, `${what}: relative error ${err}`);
    });
  });
}

test('batch norm of a bfloat16 input with float32 parameters: bfloat16 output, float32 statistics', () => {
  const c = fixture.values.batch_norm_train;
  const bn = new nn.BatchNorm2d(3);
  loadInto(bn, c.params!);
  bn.train();
  const y = ac(() => bn.forward(fromFixture(c.inputs[0])));
  const [ey, em, ev] = c.expected as EncodedTensor[];
  check(y, ey, 'output', bf16);
  check(bn.running_mean!, em, 'running_mean');
  check(bn.running_var!, ev, 'running_var');
});

for (const mode of ['train', 'train_relu', 'eval', 'eval_relu']) {
  test(`batch norm${mode.endsWith('relu') ? ' + ReLU' : ''} (${mode.split('_')[0]}) of a bfloat16 input: bfloat16 output and input gradient, float32 parameter gradients`, () => {
    const c = fixture.values[`batch_norm_grad_${mode}`];
    const bn = new nn.BatchNorm2d(3);
    loadInto(bn, c.params!);
    const training = mode.startsWith('train');
    const x = fromFixture(c.inputs[0]).requiresGrad_();
    const y = F.batchNorm(x, bn.running_mean!, bn.running_var!, bn.weight, bn.bias, { training, fuseRelu: mode.endsWith('relu') });
    y.backward(fromFixture(c.inputs[1]));
    const [ey, edx, edw, edb] = c.expected as EncodedTensor[];
    assert.deepEqual([y.dtype, x.grad!.dtype, bn.weight!.grad!.dtype], ['bfloat16', 'bfloat16', 'float32']);
    check(y, ey, 'output', bf16);
    check(x.grad!, edx, 'input gradient', bf16);
    check(bn.weight!.grad!, edw, 'weight gradient', bf16);
    check(bn.bias!.grad!, edb, 'bias gradient', bf16);
  });
}

for (const [name, make] of [
  ['lstm_grad', () => new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true })],
  ['gru_grad', () => new nn.GRU(4, 5, { numLayers: 2 })],
] as const) {
  const mode = name === 'lstm_grad' ? 'LSTM' : 'GRU';
  const path = !hasNativeBfloat16Rnn(mode) ? 'the step-by-step composite'
    : mode === 'LSTM' && process.env.ANTORCHA_LSTM !== 'onednn' ? 'the fused bfloat16 loop' : "oneDNN's fused bfloat16 primitive";
  test(`${name.split('_')[0].toUpperCase()} under autocast (${path}): outputs and gradients within bfloat16 precision of float32`, () => {
    const c = fixture.values[name];
    const layer = make();
    loadInto(layer, c.params!);
    const x = fromFixture(c.inputs[0]).requiresGrad_();
    const [out, hidden] = ac(() => (layer.forward as (x: Tensor) => [Tensor, Tensor | [Tensor, Tensor]])(x));
    const states = Array.isArray(hidden) ? hidden : [hidden];
    // PyTorch 1.13's dtypes: float32 outputs and states for LSTM and GRU under autocast.
    assert.deepEqual([out, ...states].map((t) => t.dtype), [out, ...states].map(() => 'float32'));
    out.mul(fromFixture(c.inputs[1])).sum().backward();
    const expected = c.expected as EncodedTensor[];
    const results: [string, Tensor, EncodedTensor][] = [
      ['output', out, expected[0]], ...states.map((s, i): [string, Tensor, EncodedTensor] => [`state ${i}`, s, expected[i + 1]]),
      ['input gradient', x.grad!, c.grads.input],
      ...[...layer.namedParameters()].map(([k, p]): [string, Tensor, EncodedTensor] => [`${k} gradient`, p.grad!, c.grads[k]]),
    ];
    for (const [what, got, want] of results) {
      assert.equal(got.dtype, 'float32', `${what} dtype`);
      const err = relativeError(got, fromFixture(want));
      assert.ok(err < 1.6e-2, `${what}: relative error ${err}`);
    }
  });
}

test('a small CNN under autocast: bfloat16 logits, float32 loss, float32 gradients matching PyTorch', () => {
  const c = fixture.values.simple_cnn;
  const model = valueCnn();
  loadInto(model, c.params);
  model.train();
  const x = fromFixture(c.inputs[0]);
  const y = fromFixture(c.inputs[1], 'int64');
  const [logits, loss] = ac(() => {
    const out = model.forward(x);
    return [out, F.crossEntropy(out, y)];
  });
  assert.equal(logits.dtype, 'bfloat16');
  assert.equal(loss.dtype, 'float32');
  check(logits, c.logits, 'logits', bf16);
  check(loss, c.loss, 'loss', bf16);
  loss.backward();
  for (const [name, p] of model.namedParameters()) {
    assert.equal(p.grad!.dtype, c.gradDtypes[name], `${name}.grad dtype`);
    check(p.grad!, c.grads[name], `${name}.grad`, bf16);
  }
});

// ------------------------------------------------------------------------------------------- the region

test('query helpers follow the region, nested regions and enabled: false', () => {
  assert.equal(torch.isAutocastCpuEnabled(), false);
  assert.equal(torch.getAutocastCpuDtype(), 'bfloat16');
  assert.equal(torch.isAutocastEnabled(), false);
  ac(() => {
    assert.equal(torch.isAutocastCpuEnabled(), true);
    assert.equal(torch.isAutocastEnabled('cpu'), true);
    assert.equal(torch.isAutocastEnabled(), false, 'the default device type is cuda, as PyTorch');
    assert.equal(torch.isAutocastCacheEnabled(), true);
    torch.amp.autocast({ deviceType: 'cpu', enabled: false }, () => {
      assert.equal(torch.isAutocastCpuEnabled(), false);
      assert.equal(torch.matmul(r(2, 3), r(3, 2)).dtype, 'float32');
      ac(() => assert.equal(torch.matmul(r(2, 3), r(3, 2)).dtype, 'bfloat16'));
      assert.equal(torch.isAutocastCpuEnabled(), false);
    });
    assert.equal(torch.isAutocastCpuEnabled(), true);
  });
  assert.equal(torch.isAutocastCpuEnabled(), false);
});

test('a synchronous region returns fn\'s value; an exception restores the state and empties the cache', () => {
  assert.equal(ac(() => 42), 42);
  const w = torch.randn([4, 3], { requiresGrad: true });
  assert.throws(() => ac(() => {
    torch.matmul(r(2, 4), w);
    assert.equal(castCacheSize(), 1);
    throw new Error('boom');
  }), /boom/);
  assert.equal(torch.isAutocastCpuEnabled(), false);
  assert.equal(castCacheSize(), 0);
});

test('a region whose fn returns a promise stays active until it settles', async () => {
  let inside = false;
  const pending = torch.autocast(cpuBf16, async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    inside = torch.isAutocastCpuEnabled();
    return torch.matmul(r(2, 3), r(3, 2)).dtype;
  });
  assert.equal(torch.isAutocastCpuEnabled(), true, 'still inside while the promise is pending');
  assert.equal(await pending, 'bfloat16');
  assert.equal(inside, true);
  assert.equal(torch.isAutocastCpuEnabled(), false);
  await assert.rejects(torch.autocast(cpuBf16, async () => { throw new Error('late'); }), /late/);
  assert.equal(torch.isAutocastCpuEnabled(), false);
});

test('float16 on the CPU and cuda without CUDA disable themselves with PyTorch\'s warnings', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    torch.autocast({ deviceType: 'cpu', dtype: 'float16' }, () => assert.equal(torch.isAutocastCpuEnabled(), false));
    torch.cuda.amp.autocast({}, () => assert.equal(torch.isAutocastEnabled('cuda'), false));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.ok(warnings.some((m) => m.startsWith('In CPU autocast, but the target dtype is not supported. Disabling autocast.')));
  assert.ok(warnings.includes("User provided device_type of 'cuda', but CUDA is not available. Disabling"));
  assert.throws(() => torch.autocast({ deviceType: 'tpu' as 'cpu' }, () => 0), /must be 'cuda' or 'cpu'/);
});

test('the weight cache: one bfloat16 copy per weight, renewed after an in-place update, cleared on exit', () => {
  const w = torch.randn([4, 3], { requiresGrad: true });
  const x = r(2, 4);
  ac(() => {
    const a = torch.matmul(x, w);
    const b = torch.matmul(x, w);
    assert.equal(castCacheSize(), 1);
    assert.ok(a.equal(b));
    // Not cached: a non-leaf and a tensor that needs no gradient.
    torch.matmul(x, w.mul(2));
    torch.matmul(x, r(4, 3));
    assert.equal(castCacheSize(), 1);
    // The optimizer's in-place step bumps the version: the next use casts the new values.
    torch.noGrad(() => w.add_(1));
    const c = torch.matmul(x, w);
    const expected = torch.matmul(x.bfloat16(), w.detach().bfloat16());
    assert.ok(c.equal(expected), 'stale copy after an in-place update');
    torch.amp.autocast({ ...cpuBf16, cacheEnabled: false }, () => {
      torch.matmul(x, torch.randn([4, 3], { requiresGrad: true }));
      assert.equal(castCacheSize(), 1);
    });
  });
  assert.equal(castCacheSize(), 0);
});

test('gradients flow through cached copies back to float32 weights, over several backward passes', () => {
  const w = torch.randn([4, 3], { requiresGrad: true });
  const x1 = r(2, 4), x2 = r(2, 4);
  ac(() => {
    torch.matmul(x1, w).float().sum().backward();
    const g1 = w.grad!.clone();
    torch.matmul(x2, w).float().sum().backward();
    assert.equal(w.grad!.dtype, 'float32');
    // d/dw sum(x w) = x^T 1 per pass; the sum of both, each rounded through bfloat16 as PyTorch does.
    const expected = torch.matmul(x1.bfloat16().float().t(), torch.ones([2, 3])).bfloat16().float()
      .add(torch.matmul(x2.bfloat16().float().t(), torch.ones([2, 3])).bfloat16().float());
    assert.ok(g1.allclose(torch.matmul(x1.bfloat16().float().t(), torch.ones([2, 3])), 1.6e-2, 1e-5));
    assert.ok(w.grad!.allclose(expected, 1.6e-2, 1e-5));
  });
});
