/**
 * A small CNN end to end against PyTorch (needs the native conv, pool and batch-norm ops): PyTorch's
 * initialisation after manualSeed(0), one training-mode forward, cross entropy, every parameter gradient and
 * the running statistics after the step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { fromFixture } from '../helpers.js';
import { assertClose, f32, fixture } from './fixture.js';
import { Net } from './net_model.js';

test('a training step of a small CNN matches PyTorch (loss, gradients, running statistics)', () => {
  const { net: expected } = fixture;
  torch.manualSeed(expected.seed);
  const net = new Net();
  net.drop.p = 0; // the dropout mask is not PyTorch's stream
  torch.tidy(() => {
    const loss = nn.functional.crossEntropy(net.forward(fromFixture(f32(expected.input))), fromFixture(expected.target));
    assertClose(loss, expected.loss, 'loss');
    loss.backward();
  });
  const params = new Map(net.namedParameters());
  for (const [name, g] of Object.entries(expected.grads)) assertClose(params.get(name)!.grad!, g, `grad of ${name}`);
  const unused = [...params.entries()].filter(([name]) => !(name in expected.grads)).map(([name, p]) => [name, p.grad]);
  assert.deepEqual(unused, [['heads.b.weight', null], ['norms.1.weight', null], ['norms.1.bias', null]]);
  const sd = net.stateDict();
  for (const [k, e] of Object.entries(expected.stateAfter)) assertClose(sd[k], e, k);
});

/** The CNN of the design's API contract, trained with plain SGD for a few steps. */
class SimpleCNN extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1));
  classifier = new nn.Linear(16, 10);
  forward(x: torch.Tensor) {
    x = this.features.forward(x);
    return this.classifier.forward(x.view(x.size(0), -1));
  }
}

test('the design\'s SimpleCNN trains in flat memory with one line of memory handling', () => {
  torch.manualSeed(0);
  const model = new SimpleCNN();
  const criterion = new nn.CrossEntropyLoss();
  const x = torch.randn(16, 3, 8, 8), y = torch.randint(0, 10, [16]);
  const losses: number[] = [];
  let live = 0;
  for (let step = 0; step < 30; step++) {
    losses.push(torch.tidy(() => {
      model.zeroGrad();
      const loss = criterion.forward(model.forward(x), y);
      loss.backward();
      torch.noGrad(() => {
        for (const p of model.parameters()) p.sub_(p.grad!.mul(0.1));
      });
      return loss.item();
    }));
    if (step === 5) live = torch.memory().numTensors;
  }
  assert.equal(torch.memory().numTensors, live, 'live tensors stay flat');
  assert.ok(losses[29] < losses[0] * 0.75, `loss ${losses[0]} -> ${losses[29]}`);
  const preds = torch.noGrad(() => model.forward(x).argmax(1));
  // Chance is 1.6 of 16; after 30 steps the model gets 8 of its training batch right.
  assert.ok(preds.eq(y).sum().item() >= 6, 'the model starts to fit its batch');
});
