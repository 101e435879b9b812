/**
 * The own LSTM loop (native/cpu/lstm_loop.cc). ANTORCHA_LSTM=loop sends every LSTM layer of this process to
 * it, float32 included; then:
 * - the recurrent layers' PyTorch cases (test/nn/rnn.test.ts: outputs, final states and every gradient;
 *   packed sequences run each direction right to left on their own) run unchanged;
 * - layers long and wide enough to take several chunks of steps (the last one shorter) match the step-by-step
 *   composite (ordinary ops with autograd, the formulas PyTorch's cell uses) in float32, and in bfloat16 to
 *   bfloat16 precision;
 * - the inference pass (no gradient: no record kept) gives the training pass's outputs bit for bit.
 * Its bfloat16 path is also the default for LSTMs under autocast (test/amp/autocast.test.ts), and
 * test/amp/autocast_onednn_lstm.test.ts keeps oneDNN's LSTM tested there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { rnnLayer } from '../../src/ops/rnn.js';
import { autocastLayer } from '../../src/nn/modules/rnn_autocast.js';
import { relativeError } from '../helpers.js';

// Read once, at the first recurrent layer: before the PyTorch cases' module is loaded.
process.env.ANTORCHA_LSTM = 'loop';
await import('./rnn.test.js');

/** A random bidirectional LSTM layer: 7 steps of a batch of 300 (chunks of 3, 3 and 1 steps per direction). */
function randomLayer(seed: number) {
  torch.manualSeed(seed);
  const T = 7, N = 300, I = 6, H = 5;
  const param = (...shape: number[]) => torch.randn(shape).mul(0.5).requiresGrad_(true);
  const p = {
    wIh: [param(4 * H, I), param(4 * H, I)], wHh: [param(4 * H, H), param(4 * H, H)],
    bIh: [param(4 * H), param(4 * H)], bHh: [param(4 * H), param(4 * H)],
  };
  const x = torch.randn([T, N, I]).requiresGrad_(true);
  const h0 = torch.randn([2, N, H]).mul(0.5).requiresGrad_(true);
  const c0 = torch.randn([2, N, H]).mul(0.5).requiresGrad_(true);
  const weights = [torch.randn([T, N, 2 * H]), torch.randn([2, N, H]), torch.randn([2, N, H])];
  const leaves = [x, h0, c0, ...p.wIh, ...p.wHh, ...p.bIh, ...p.bHh];
  return { p, x, h0, c0, weights, leaves };
}

/** Outputs and every leaf's gradient of sum(outputs * weights). */
function run(layer: () => { output: Tensor; hn: Tensor; cn: Tensor | null }, weights: Tensor[], leaves: Tensor[]): Tensor[] {
  for (const l of leaves) l.grad = null;
  const r = layer();
  const outs = [r.output.float(), r.hn.float(), r.cn!];
  outs.reduce((s, o, i) => s.add(o.mul(weights[i]).sum()), torch.zeros([])).backward();
  return [...outs.map((o) => o.detach()), ...leaves.map((l) => l.grad!.float())];
}

const names = ['output', 'h_n', 'c_n', 'x', 'h0', 'c0', 'w_ih', 'w_ih_reverse', 'w_hh', 'w_hh_reverse', 'b_ih', 'b_ih_reverse', 'b_hh', 'b_hh_reverse'];

test('LSTM loop over several chunks of steps matches the step-by-step composite (float32), gradients included', () => {
  torch.tidy(() => {
    const { p, x, h0, c0, weights, leaves } = randomLayer(1);
    const loop = run(() => rnnLayer('LSTM', x, h0, c0, p), weights, leaves);
    const composite = run(() => autocastLayer('LSTM', x, h0, c0, p), weights, leaves);
    loop.forEach((t, i) => {
      const err = relativeError(t, composite[i]);
      assert.ok(err < 2e-6, `${names[i]}: relative error ${err}`);
    });
  });
});

test('LSTM loop in bfloat16 over several chunks stays within bfloat16 precision of float32', () => {
  torch.tidy(() => {
    const { p, x, h0, c0, weights, leaves } = randomLayer(2);
    const wide = run(() => rnnLayer('LSTM', x, h0, c0, p), weights, leaves);
    const bf16 = run(() => rnnLayer('LSTM', x.bfloat16(), h0.bfloat16(), c0, p), weights, leaves);
    bf16.forEach((t, i) => {
      const err = relativeError(t, wide[i]);
      assert.ok(err < 1.6e-2, `${names[i]}: relative error ${err}`);
      assert.ok(err > 0, `${names[i]}: bfloat16 rounding must show`);
    });
  });
});

for (const dtype of ['float32', 'bfloat16'] as const) {
  test(`LSTM loop without gradients (${dtype}): the training pass's outputs bit for bit`, () => {
    torch.tidy(() => {
      const { p, x, h0, c0 } = randomLayer(3);
      const xs = x.to(dtype), hs = h0.to(dtype);
      const trained = rnnLayer('LSTM', xs, hs, c0, p);
      const inferred = torch.noGrad(() => rnnLayer('LSTM', xs.detach(), hs.detach(), c0.detach(), p));
      for (const k of ['output', 'hn', 'cn'] as const) {
        assert.deepEqual(Array.from(inferred[k]!.float().dataSync() as Float32Array), Array.from(trained[k]!.float().dataSync() as Float32Array), k);
      }
    });
  });
}
