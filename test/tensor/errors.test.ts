/** Bad input gets a clear error naming the op, the shapes and what was expected — never a crash. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';

test('broadcast mismatch names the op and both shapes', () => {
  assert.throws(() => torch.ones(2, 3).add(torch.ones(4)), /add: The size of tensor a \(3\) must match the size of tensor b \(4\).*\[2, 3\] and \[4\]/);
});

test('matmul inner-dimension mismatch names the shapes and the rule', () => {
  assert.throws(() => torch.ones(2, 3).matmul(torch.ones(4, 5)), /matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\).*expected/);
  assert.throws(() => torch.ones(7, 2, 3).matmul(torch.ones(7, 4, 5)), /matmul.*\[7, 2, 3\] and \[7, 4, 5\]/);
});

test('view of an incompatible shape explains why', () => {
  assert.throws(() => torch.ones(2, 3).view(4, 2), /view: shape '\[4, 2\]' is invalid for input of size 6/);
  assert.throws(() => torch.ones(2, 3).t().view(6), /view: size \[6\] is not compatible with input tensor's size \[3, 2\] and stride \[1, 3\].*reshape/);
});

test('float index tensors are rejected with the expected dtype', () => {
  assert.throws(() => torch.ones(3, 2).indexSelect(0, torch.tensor([0.5, 1.5])), /index_select\(\): Expected dtype int64 for index, but got float32/);
  assert.throws(() => torch.ones(3, 2).gather(1, torch.zeros(3, 1)), /gather\(\): Expected dtype int64 for index, but got float32/);
  assert.throws(() => torch.ones(3, 2).index([torch.tensor([0.5])]), /indices must be long, int, byte or bool tensors \(got float32\)/);
});

test('out-of-range indices are errors, not memory accesses', () => {
  assert.throws(() => torch.ones(3, 2).indexSelect(0, torch.tensor([3])), /index 3 is out of bounds for dimension 0 with size 3/);
  assert.throws(() => torch.ones(3, 2).gather(1, torch.tensor([[0], [2], [1]])), /index 2 is out of bounds for dimension 1 with size 2/);
  assert.throws(() => torch.ones(3).index([torch.tensor([5])]), /index 5 is out of bounds for dimension 0 with size 3/);
});

test('dims out of range and bad reshapes', () => {
  assert.throws(() => torch.ones(2, 3).sum(2), /Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/);
  assert.throws(() => torch.ones(2, 3).permute(0), /permute: number of dims don't match/);
  assert.throws(() => torch.ones(2, 3).expand(4, 3), /expand: the expanded size/);
});

test('using a disposed tensor throws a clear error', () => {
  const x = torch.ones(2, 2);
  const v = x.view(4);
  x.dispose();
  assert.throws(() => x.add(1), /used after dispose\(\)/);
  assert.equal(v.sum().item(), 4, 'a view keeps the storage alive');
  x.dispose(); // idempotent
});

test('integer division by zero and bool arithmetic are rejected as in PyTorch', () => {
  assert.throws(() => torch.tensor([1, 2]).remainder(0), /division or modulo by zero/);
  assert.throws(() => torch.tensor([true]).sub(torch.tensor([false])), /Subtraction.*bool/);
  assert.throws(() => torch.tensor([true]).neg(), /Negation.*bool/);
});

test('requiresGrad on integer tensors and in-place on leaves are refused', () => {
  assert.throws(() => torch.tensor([1, 2], { dtype: 'int64' }).requiresGrad_(), /only Tensors of floating point dtype can require gradients/);
  const w = torch.ones(3, { requiresGrad: true });
  assert.throws(() => w.add_(1), /a leaf Variable that requires grad is being used in an in-place operation/);
  torch.noGrad(() => w.add_(1));
  assert.deepEqual(w.tolist(), [2, 2, 2]);
});
