/**
 * nn.functional and layer behaviour beyond the fixtures: module prints, PyTorch's argument errors,
 * dropout statistics, implicit softmax dims.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { build, fixture } from './fixture.js';

const F = nn.functional;

test('every layer prints as PyTorch prints it', () => {
  for (const r of fixture.reprs) assert.equal(build(r.cls, r.args, r.kwargs).toString(), r.repr);
});

test('layer constructors reject bad arguments with PyTorch\'s messages', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new nn.Conv2d(3, 4, 3, { padding: 'foo' as 'same' }), /^RangeError: Invalid padding string 'foo', should be one of \{'same', 'valid'\}$/],
    [() => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided convolutions/],
    [() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /in_channels must be divisible by groups/],
    [() => new nn.Conv2d(4, 3, 3, { groups: 2 }), /out_channels must be divisible by groups/],
    [() => new nn.Conv2d(4, 3, 3, { groups: 0 }), /groups must be a positive integer/],
    [() => new nn.Conv2d(4, 3, 3, { paddingMode: 'foo' as 'zeros' }), /padding_mode must be one of \{'zeros', 'reflect', 'replicate', 'circular'\}, but got padding_mode='foo'/],
    [() => new nn.GroupNorm(3, 4), /num_channels must be divisible by num_groups/],
    [() => new nn.Dropout(1.5), /dropout probability has to be between 0 and 1, but got 1.5/],
    [() => new nn.Embedding(3, 2, { paddingIdx: 3 }), /Padding_idx must be within num_embeddings/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
});

test('functional layers reject bad inputs with PyTorch\'s messages', () => {
  const w = torch.randn(32, 3, 3, 3);
  const x = torch.randn(1, 3, 5, 5);
  const cases: [() => unknown, RegExp][] = [
    [() => F.conv2d(torch.randn(2, 3), w), /^RangeError: Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[2, 3\]$/],
    [() => F.conv1d(torch.randn(1, 3, 5, 5), torch.randn(4, 3, 3)), /Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d, but got input of size: \[1, 3, 5, 5\]/],
    [() => F.conv2d(torch.randn(1, 4, 8, 8), w), /Given groups=1, weight of size \[32, 3, 3, 3\], expected input\[1, 4, 8, 8\] to have 3 channels, but got 4 channels instead/],
    [() => F.conv2d(torch.randn(1, 4, 5, 5), torch.randn(6, 2, 3, 3), null, { groups: 3 }), /Given groups=3, weight of size \[6, 2, 3, 3\], expected input\[1, 4, 5, 5\] to have 6 channels, but got 4 channels instead/],
    [() => F.conv2d(torch.randn(1, 3, 2, 2), w), /Calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(3 x 3\)\. Kernel size can't be greater than actual input size/],
    [() => F.conv2d(x, w, torch.randn(31)), /Given weight of size \[32, 3, 3, 3\], expected bias to be 1-dimensional with 32 elements, but got bias of size \[31\] instead/],
    [() => F.conv2d(x, w, null, { stride: 0 }), /non-positive stride is not supported/],
    [() => F.conv2d(x, w, null, { padding: -1 }), /negative padding is not supported/],
    [() => F.conv2d(x, w, null, { dilation: 0 }), /dilation should be greater than zero, but got \[0, 0\]/],
    [() => F.conv2d(x, w, null, { groups: 0 }), /non-positive groups is not supported/],
    [() => F.conv2d(x, w, null, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided convolutions/],
    [() => F.conv2d(x, w, null, { padding: 'foo' as 'same' }), /Invalid padding string: 'foo'/],
    [() => F.conv2d(x, w, null, { stride: [1, 1, 1] }), /expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=\[1, 1, 1\]/],
    [() => F.maxPool2d(x, 3, { padding: 2 }), /pad should be at most half of kernel size, but got pad=2 and kernel_size=3/],
    [() => F.maxPool2d(torch.randn(5, 5), 3), /non-empty 3D or 4D \(batch mode\) tensor expected for input/],
    [() => F.maxPool2d(torch.randn(1, 3, 2, 2), 3), /Given input size: \(3x2x2\)\. Calculated output size: \(3x0x0\)\. Output size is too small/],
    [() => F.maxPool2d(x, 3, { stride: 0 }), /stride should not be zero/],
    [() => F.maxPool2d(x, 3, { dilation: 0 }), /dilation should be greater than zero, but got dilationH: 0 dilationW: 0/],
    [() => F.avgPool2d(x, 3, { padding: 2 }), /pad should be at most half of kernel size, but got pad=2 and kernel_size=3/],
    [() => F.avgPool2d(torch.randn(1, 3, 2, 2), 3), /Given input size: \(3x2x2\)\. Calculated output size: \(3x0x0\)\. Output size is too small/],
    [() => F.avgPool2d(x, 3, { divisorOverride: 0 }), /divisor must be not zero/],
    [() => F.adaptiveAvgPool2d(torch.randn(5, 5), 3), /adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got \[5, 5\]/],
    [() => F.adaptiveAvgPool2d(torch.randn(1, 3, 0, 5), 3), /adaptive_avg_pool2d\(\): Expected input to have non-zero size for non-batch dimensions, but input has sizes \[1, 3, 0, 5\] with dimension 2 being empty/],
    [() => F.adaptiveMaxPool2d(torch.randn(5, 5), 3), /adaptive_max_pool2d\(\): Expected 3D or 4D tensor, but got \[5, 5\]/],
    [() => new nn.BatchNorm2d(3).forward(torch.randn(3, 5)), /expected 4D input \(got 2D input\)/],
    [() => new nn.BatchNorm1d(3).forward(torch.randn(3, 3, 5, 5)), /expected 2D or 3D input \(got 4D input\)/],
    [() => new nn.BatchNorm1d(3).forward(torch.randn(1, 3)), /Expected more than 1 value per channel when training, got input size torch.Size\(\[1, 3\]\)/],
    [() => new nn.BatchNorm2d(3).forward(torch.randn(2, 4, 2, 2)), /running_mean should contain 4 elements not 3/],
    [() => F.layerNorm(torch.randn(2, 3), [4]), /Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[2, 3\]/],
    [() => F.layerNorm(torch.randn(2, 4), [4], torch.randn(3)), /Expected weight to be of same shape as normalized_shape, but got weight of shape \[3\] and normalized_shape = \[4\]/],
    [() => F.groupNorm(torch.randn(2, 4, 3), 3), /Expected number of channels in input to be divisible by num_groups, but got input of shape \[2, 4, 3\] and num_groups=3/],
    [() => F.groupNorm(torch.randn(2, 4, 3), 2, torch.randn(3)), /Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape \[3\] and input of shape \[2, 4, 3\]/],
    [() => F.dropout(torch.randn(3), 1.5), /dropout probability has to be between 0 and 1, but got 1.5/],
    [() => new nn.Linear(4, 5).forward(torch.randn(2, 3)), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/],
    [() => new nn.Flatten().forward(torch.randn(3)), /Dimension out of range/],
    [() => F.pad(x, [1]), /Padding length must be divisible by 2/],
    [() => F.pad(torch.randn(1, 1, 3, 3), [3, 3], 'reflect'), /Padding size should be less than the corresponding input dimension, but got: padding \(3, 3\) at dimension 3 of input \[1, 1, 3, 3\]/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
});

test('dropout zeroes about p of the elements in training, scales the rest by 1/(1-p), and is the identity in eval', () => {
  torch.manualSeed(0);
  const x = torch.ones(100, 100);
  const drop = new nn.Dropout(0.3);
  const y = drop.forward(x);
  const kept = y.ne(0).sum().item() / 10000;
  assert.ok(Math.abs(kept - 0.7) < 0.02, `kept fraction ${kept}`);
  assert.ok(y.maskedSelect(y.ne(0)).sub(1 / 0.7).abs().amax().item() < 1e-6);
  assert.equal(drop.eval().forward(x), x);
  assert.equal(F.dropout(x, 0), x);
  assert.equal(F.dropout(x, 0.5, { training: false }), x);
  assert.equal(F.dropout(x, 1).abs().sum().item(), 0);
  const w = torch.ones([10, 10], { requiresGrad: true });
  const out = F.dropout(w, 0.5);
  out.sum().backward();
  assert.ok(w.grad!.equal(out.detach()), 'the gradient is the same mask and scale');
});

test('dropout2d drops whole channels; inplace dropout writes into its input', () => {
  torch.manualSeed(1);
  const y = F.dropout2d(torch.ones(8, 16, 3, 3), 0.5);
  const perChannel = y.sum([2, 3]);
  assert.ok(perChannel.eq(0).logicalOr(perChannel.eq(18)).all().item(), 'each channel is all zero or all 2');
  const x = torch.ones(4, 4);
  assert.equal(F.dropout(x, 0.5, { inplace: true }), x);
  assert.ok(x.eq(0).logicalOr(x.eq(2)).all().item());
  const d1 = new nn.Dropout1d(0.5).forward(torch.ones(4, 8, 5)).sum(2);
  assert.ok(d1.eq(0).logicalOr(d1.eq(10)).all().item());
});

test('softmax without a dim uses PyTorch\'s implicit choice', () => {
  const x = torch.randn(2, 3);
  assert.ok(new nn.Softmax().forward(x).equal(x.softmax(1)));
  assert.ok(F.logSoftmax(torch.randn(4)).exp().sum().sub(1).abs().item() < 1e-6);
});

test('embedding looks up rows; the padding row gets no gradient', () => {
  const emb = new nn.Embedding(5, 2, { paddingIdx: 0 });
  assert.deepEqual(emb.weight.select(0, 0).tolist(), [0, 0]);
  const idx = torch.tensor([[0, 3], [3, 4]]);
  const out = emb.forward(idx);
  assert.deepEqual(out.shape, [2, 2, 2]);
  out.sum().backward();
  assert.deepEqual(emb.weight.grad!.tolist(), [[0, 0], [0, 0], [0, 0], [2, 2], [1, 1]]);
  assert.throws(() => emb.forward(torch.tensor([5])), /index out of range in self/);
});

test('activation modules and functions agree, inplace forms write into their input', () => {
  const x = torch.randn(3, 4);
  assert.ok(new nn.GELU('tanh').forward(x).equal(F.gelu(x, { approximate: 'tanh' })));
  assert.ok(new nn.LeakyReLU(0.3).forward(x).equal(F.leakyRelu(x, 0.3)));
  const y = x.clone();
  assert.equal(new nn.ReLU({ inplace: true }).forward(y), y);
  assert.ok(y.equal(x.relu()));
  assert.throws(() => F.gelu(x, { approximate: 'foo' as 'tanh' }), /approximate argument must be either none or tanh/);
  const big = torch.tensor([100, -100], { requiresGrad: true });
  F.elu(big).sum().backward();
  assert.deepEqual((big.grad!.tolist() as number[]).map((v) => Number.isFinite(v)), [true, true]);
});

test('float64 gradcheck of the composite layers and losses', () => {
  torch.manualSeed(3);
  const d = { dtype: 'float64' as const };
  const x = () => torch.randn([3, 4], { ...d, requiresGrad: true });
  const labels = torch.tensor([0, 3, -100]);
  const target = torch.rand([3, 4], d), posWeight = torch.rand([4], d);
  const checks: [string, (...t: torch.Tensor[]) => torch.Tensor, torch.Tensor[]][] = [
    ['layerNorm', (a, w, b) => F.layerNorm(a, [4], w, b), [x(), torch.randn([4], { ...d, requiresGrad: true }), torch.randn([4], { ...d, requiresGrad: true })]],
    ['groupNorm', (a, w) => F.groupNorm(a, 2, w), [torch.randn([2, 4, 3], { ...d, requiresGrad: true }), torch.randn([4], { ...d, requiresGrad: true })]],
    ['elu', (a) => F.elu(a, 0.7), [x()]],
    ['softplus', (a) => F.softplus(a, 2, 1), [x()]],
    ['mish', (a) => F.mish(a), [x()]],
    ['crossEntropy smoothing weight', (a) => F.crossEntropy(a, labels, { labelSmoothing: 0.2, weight: torch.tensor([1, 2, 3, 4], d) }), [x()]],
    ['crossEntropy probabilities', (a, t) => F.crossEntropy(a, t, { reduction: 'none' }), [x(), torch.rand([3, 4], d)]],
    ['nllLoss sum', (a) => F.nllLoss(a, labels, { reduction: 'sum' }), [x()]],
    ['bce', (a) => F.binaryCrossEntropy(a.sigmoid(), target), [x()]],
    ['bceWithLogits posWeight', (a) => F.binaryCrossEntropyWithLogits(a, target, { posWeight }), [x()]],
    ['smoothL1', (a, b) => F.smoothL1Loss(a, b, { beta: 0.5 }), [x(), x()]],
    ['huber', (a, b) => F.huberLoss(a, b, { delta: 0.5 }), [x(), x()]],
    ['pad reflect', (a) => F.pad(a, [2, 1], 'reflect'), [x()]],
    ['normalize', (a) => F.normalize(a, { dim: 1 }), [x()]],
  ];
  for (const [name, fn, inputs] of checks) {
    assert.doesNotThrow(() => torch.autograd.gradcheck(fn, inputs), name);
  }
});
