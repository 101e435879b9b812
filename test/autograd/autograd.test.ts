/** Autograd semantics beyond single ops: accumulation, retained graphs, version counters, grad(). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';

test('gradients accumulate across backward calls and reset with grad = null', () => {
  const w = torch.tensor([1, 2, 3], { requiresGrad: true });
  w.mul(2).sum().backward();
  w.mul(3).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [5, 5, 5]);
  w.grad!.dispose();
  w.grad = null;
  w.pow(2).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [2, 4, 6]);
});

test('backward twice needs retainGraph', () => {
  const x = torch.tensor([0.5, 1.5], { requiresGrad: true });
  const y = x.exp().sum();
  y.backward(null, { retainGraph: true });
  y.backward();
  assert.ok(x.grad!.allclose(x.detach().exp().mul(2)));
  const z = x.exp().sum();
  z.backward();
  assert.throws(() => z.backward(), /backward through the graph a second time/);
});

test('an in-place change to a saved tensor is caught by the version counter', () => {
  const x = torch.tensor([1, 2, 3], { requiresGrad: true });
  const h = x.mul(1);
  const y = h.sin();
  h.add_(1);
  assert.throws(() => y.sum().backward(), /modified by an inplace operation: \[float32 \[3\]\].*version 1; expected version 0/);
});

test('in-place ops on non-leaves are differentiated', () => {
  const x = torch.tensor([1, -2, 3], { requiresGrad: true });
  const h = x.mul(2);
  h.relu_();
  h.mul_(3);
  h.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [6, 0, 6]);
});

test('noGrad, enableGrad, detach and requiresGrad flags', () => {
  const x = torch.ones([2], { requiresGrad: true });
  assert.equal(torch.noGrad(() => x.mul(2)).requiresGrad, false);
  assert.equal(torch.noGrad(() => torch.enableGrad(() => x.mul(2))).requiresGrad, true);
  assert.equal(x.mul(2).detach().requiresGrad, false);
  assert.equal(x.mul(2).isLeaf, false);
  assert.throws(() => {
    x.mul(2).requiresGrad = false;
  }, /only change requires_grad flags of leaf variables/);
});

test('autograd.grad returns gradients without touching .grad, and supports createGraph', () => {
  const x = torch.tensor([2, 3], { dtype: 'float64', requiresGrad: true });
  const y = x.pow(3).sum();
  const [g] = torch.autograd.grad(y, x, { createGraph: true });
  assert.deepEqual(g!.tolist(), [12, 27]);
  assert.equal(x.grad, null);
  const [gg] = torch.autograd.grad(g!.sum(), x);
  assert.deepEqual(gg!.tolist(), [12, 18]);
});

test('retainGrad keeps the gradient of an intermediate', () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  const h = x.mul(3);
  h.retainGrad();
  h.mul(h).sum().backward();
  assert.deepEqual(h.grad!.tolist(), [6, 12]);
  assert.deepEqual(x.grad!.tolist(), [18, 36]);
});

test('the same tensor used twice gets the sum of both paths', () => {
  const a = torch.tensor([1, 2], { requiresGrad: true });
  a.add(a).mul(a).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [4, 8]);
});

test('dtype promotion follows PyTorch', () => {
  assert.equal(torch.ones(2, { dtype: 'int32' }).add(1).dtype, 'int32');
  assert.equal(torch.ones(2, { dtype: 'int64' }).add(0.5).dtype, 'float32');
  assert.equal(torch.ones(2, { dtype: 'float16' }).add(torch.ones(2, { dtype: 'bfloat16' })).dtype, 'float32');
  assert.equal(torch.ones(2).add(torch.tensor(1, { dtype: 'float64' })).dtype, 'float32');
  assert.equal(torch.tensor([1, 2]).div(2).dtype, 'float32');
  assert.equal(torch.tensor([true]).add(torch.tensor([true])).dtype, 'bool');
});
