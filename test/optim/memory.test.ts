/**
 * Optimizers in a training loop wrapped in torch.tidy: state tensors survive the scopes, temporaries of
 * step() do not, so live tensors and native bytes stay flat after the first step (which creates the state).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

const makers: [string, (p: Tensor[]) => optim.Optimizer][] = [
  ['SGD with Nesterov momentum and weight decay', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['Adam with AMSGrad and weight decay', (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 1e-3 })],
  ['AdamW', (p) => new optim.AdamW(p, { lr: 0.01 })],
  ['RMSprop centered with momentum', (p) => new optim.RMSprop(p, { lr: 0.001, centered: true, momentum: 0.5, weightDecay: 1e-3 })],
];

for (const [name, make] of makers) {
  test(`${name}: 1000 steps inside torch.tidy keep live tensors and bytes flat`, () => {
    torch.manualSeed(0);
    const x = torch.keep(torch.randn(16, 4));
    const y = torch.keep(x.matmul(torch.tensor([[1], [-2], [0.5], [3]])).add(0.25));
    const w = torch.keep(torch.zeros([4, 1], { requiresGrad: true }));
    const b = torch.keep(torch.zeros([1], { requiresGrad: true }));
    const opt = make([w, b]);
    const trainStep = (): number =>
      torch.tidy(() => {
        opt.zeroGrad();
        const loss = x.matmul(w).add(b).sub(y).square().mean();
        loss.backward();
        opt.step();
        return loss.item();
      });
    const first = trainStep();
    const after1 = torch.memory();
    let last = first;
    for (let i = 2; i <= 1000; i++) last = trainStep();
    const after1000 = torch.memory();
    assert.equal(after1000.numTensors, after1.numTensors, 'live tensors after step 1000 equal those after step 1');
    assert.equal(after1000.numBytes, after1.numBytes, 'native bytes after step 1000 equal those after step 1');
    assert.ok(last < first * 0.5, `the loop trains (loss ${first} -> ${last})`);
  });
}

test('step() outside any scope frees its own temporaries', () => {
  const p = torch.keep(torch.ones([8], { requiresGrad: true }));
  p.grad = torch.keep(torch.full([8], 0.5));
  const opt = new optim.Adam([p], { amsgrad: true, weightDecay: 0.1, maximize: true });
  opt.step();
  const after1 = torch.memory();
  for (let i = 0; i < 50; i++) opt.step();
  assert.equal(torch.memory().numTensors, after1.numTensors);
  assert.equal(torch.memory().numBytes, after1.numBytes);
});

test('state tensors survive the scope of the first step; loadStateDict disposes the state it replaces', () => {
  const p = torch.keep(torch.ones([3], { requiresGrad: true }));
  const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
  torch.tidy(() => {
    p.grad = torch.ones(3);
    opt.step();
    p.grad = null;
  });
  const buf = opt.state.get(p)!.momentumBuffer as Tensor;
  assert.equal(buf.isDisposed, false);
  assert.deepEqual(buf.tolist(), [1, 1, 1]);
  const before = torch.memory().numTensors;
  opt.loadStateDict(opt.stateDict());
  assert.equal(buf.isDisposed, true);
  assert.equal(torch.memory().numTensors, before, 'one buffer replaced by its copy');
  assert.deepEqual((opt.state.get(p)!.momentumBuffer as Tensor).tolist(), [1, 1, 1]);
});

test('zeroGrad() disposes gradients and sets them to null; setToNone: false zeroes them in place', () => {
  const p = torch.keep(torch.ones([2], { requiresGrad: true }));
  const opt = new optim.SGD([p], { lr: 0.1 });
  p.mul(3).sum().backward();
  const grad = p.grad!;
  opt.zeroGrad();
  assert.equal(p.grad, null);
  assert.equal(grad.isDisposed, true);
  p.mul(3).sum().backward();
  const kept = p.grad!;
  opt.zeroGrad({ setToNone: false });
  assert.equal(p.grad, kept);
  assert.deepEqual(kept.tolist(), [0, 0]);
});
