/**
 * EfficientNet's layers vs torchvision.ops (test/fixtures/models_effvit.json, 'layers'): SqueezeExcitation and
 * Conv2dNormActivation outputs and gradients in training mode (so SiLU(inplace) under autograd too), and
 * StochasticDepth's behaviour (random, so checked by its structure rather than against PyTorch's draws).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { fromFixture, mismatch, type EncodedTensor } from '../helpers.js';
import { fixture, type LayerCase } from './efficientnet_vit_fixture.js';

const f32 = (e: EncodedTensor): EncodedTensor => ({ ...e, data: e.data.map((v) => (typeof v === 'number' ? Math.fround(v) : v)) });
const close = (a: torch.Tensor, e: EncodedTensor, what: string) => assert.equal(mismatch(a, f32(e)), null, what);

const layers: Record<string, () => nn.Module> = {
  SqueezeExcitation: () => new nn.SqueezeExcitation(6, 2, { activation: () => new nn.SiLU() }),
  SqueezeExcitationReLU: () => new nn.SqueezeExcitation(6, 3),
  Conv2dNormActivation: () => new nn.Conv2dNormActivation(6, 4, { kernelSize: 3, stride: 2, activationLayer: (o) => new nn.SiLU(o) }),
  Conv2dNormActivationDepthwise: () => new nn.Conv2dNormActivation(6, 6, { kernelSize: 5, groups: 6, normLayer: null }),
};

for (const c of fixture.layers as LayerCase[]) {
  test(`${c.name}: output and gradients match torchvision`, () => {
    torch.tidy(() => {
      const m = layers[c.name]();
      assert.deepEqual(Object.keys(m.stateDict()).filter((k) => !k.endsWith('num_batches_tracked')), Object.keys(c.state));
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, fromFixture(f32(e))])), { strict: false });
      const x = fromFixture(f32(c.input)).requiresGrad_(true);
      const y = m.forward(x.mul(1));
      close(y, c.output, 'output');
      y.backward(fromFixture(f32(c.gradOutput)));
      close(x.grad!, c.inputGrad, 'input gradient');
      const params = new Map(m.namedParameters());
      for (const [k, g] of Object.entries(c.paramGrads)) close(params.get(k)!.grad!, g, `gradient of ${k}`);
    });
  });
}

test('Conv2dNormActivation: torchvision layout and defaults', () => {
  const m = new nn.Conv2dNormActivation(4, 8);
  assert.deepEqual(Object.keys(m.stateDict()), ['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
  assert.ok(m.at(2) instanceof nn.ReLU && (m.at(2) as nn.ReLU).inplace);
  assert.deepEqual((m.at(0) as nn.Conv2d).padding, [1, 1]);
  const d = new nn.Conv2dNormActivation(4, 8, { kernelSize: 3, dilation: 2, normLayer: null, activationLayer: null });
  assert.deepEqual(Object.keys(d.stateDict()), ['0.weight', '0.bias']);
  assert.deepEqual((d.at(0) as nn.Conv2d).padding, [2, 2]);
  assert.equal(d.outChannels, 8);
});

test('StochasticDepth: identity in eval mode or at p = 0; drops whole rows or the whole batch in training', () => {
  torch.tidy(() => {
    torch.manualSeed(1);
    const x = torch.rand(64, 3, 2, 2).add(1);
    const sd = new nn.StochasticDepth(0.25, 'row');
    assert.equal(sd.eval().forward(x), x);
    assert.equal(new nn.StochasticDepth(0, 'batch').forward(x), x);
    const y = sd.train().forward(x);
    const ratio = y.div(x).reshape(64, 12);
    const rows = ratio.amax(1).tolist() as number[];
    assert.ok(ratio.amax(1).sub(ratio.amin(1)).abs().max().item() < 1e-6, 'each row is kept or dropped whole');
    for (const r of rows) assert.ok(r === 0 || Math.abs(r - 1 / 0.75) < 1e-6, `row scale ${r}`);
    const dropped = rows.filter((r) => r === 0).length;
    assert.ok(dropped > 4 && dropped < 32, `${dropped} of 64 rows dropped at p = 0.25`);
    const b = new nn.StochasticDepth(0.5, 'batch').forward(x).div(x);
    const v = b.flatten().tolist() as number[];
    assert.ok(v.every((s) => s === v[0]) && (v[0] === 0 || Math.abs(v[0] - 2) < 1e-6));
    assert.deepEqual(new nn.StochasticDepth(1, 'row').forward(x).abs().max().item(), 0);
    assert.equal(String(sd), 'StochasticDepth(p=0.25, mode=row)');
    assert.equal(String(new nn.StochasticDepth(0, 'row')), 'StochasticDepth(p=0.0, mode=row)');
    assert.throws(() => new nn.StochasticDepth(1.5, 'row'), /drop probability has to be between 0 and 1, but got 1.5/);
    assert.throws(() => new nn.StochasticDepth(0.1, 'col' as 'row'), /mode has to be either 'batch' or 'row', but got col/);
    assert.throws(() => nn.functional.stochasticDepth(x, -0.1, 'row'), /drop probability/);
  });
});

test('SqueezeExcitation: torchvision keys; the gate scales channels', () => {
  torch.tidy(() => {
    const se = new nn.SqueezeExcitation(8, 2);
    assert.deepEqual(Object.keys(se.stateDict()), ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const x = torch.randn(2, 8, 3, 3);
    const gate = se.scale(x);
    assert.deepEqual(gate.shape, [2, 8, 1, 1]);
    assert.ok(se.forward(x).allclose(x.mul(gate)));
  });
});
