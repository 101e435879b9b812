/** Every loss, with its options and all three reductions, against PyTorch (value and input gradient). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { fromFixture } from '../helpers.js';
import { assertClose, decodeValue, f32, fixture } from './fixture.js';

const F = nn.functional;
type Ctor = new (options: Record<string, unknown>) => nn.Module;

/** The functional form of each loss module, for a same-result check. */
const functional: Record<string, (x: Tensor, t: Tensor, o: Record<string, unknown>) => Tensor> = {
  CrossEntropyLoss: (x, t, o) => F.crossEntropy(x, t, o),
  NLLLoss: (x, t, o) => F.nllLoss(x, t, o),
  BCELoss: (x, t, o) => F.binaryCrossEntropy(x, t, o),
  BCEWithLogitsLoss: (x, t, o) => F.binaryCrossEntropyWithLogits(x, t, o),
  MSELoss: (x, t, o) => F.mseLoss(x, t, o),
  L1Loss: (x, t, o) => F.l1Loss(x, t, o),
  SmoothL1Loss: (x, t, o) => F.smoothL1Loss(x, t, o),
  HuberLoss: (x, t, o) => F.huberLoss(x, t, o),
};

for (const c of fixture.losses) {
  test(`${c.name} matches PyTorch`, () => {
    torch.tidy(() => {
      const options = decodeValue(c.kwargs) as Record<string, unknown>;
      const loss = new (nn as unknown as Record<string, Ctor>)[c.cls](options);
      const x = fromFixture(f32(c.input)).requiresGrad_(true);
      const target = fromFixture(f32(c.target));
      const out = loss.forward(x, target) as Tensor;
      assertClose(out, c.output, 'loss');
      out.backward(fromFixture(f32(c.gradOutput)));
      assertClose(x.grad!, c.inputGrad, 'input grad');
      assertClose(functional[c.cls](x.detach(), target, options), c.output, 'functional form');
    });
  });
}

for (const c of fixture.functional) {
  test(`F.${c.name}(${JSON.stringify(c.kwargs)}) matches PyTorch`, () => {
    torch.tidy(() => {
      const x = fromFixture(f32(c.input)).requiresGrad_(true);
      const k = c.kwargs as { pad?: number[]; mode?: 'constant'; value?: number; p?: number; dim?: number };
      const out = c.name === 'pad' ? F.pad(x, k.pad!, k.mode, k.value) : F.normalize(x, { p: k.p, dim: k.dim });
      assertClose(out, c.output, 'output');
      out.backward(fromFixture(f32(c.gradOutput)));
      assertClose(x.grad!, c.inputGrad, 'input grad');
    });
  });
}

test('losses reject bad arguments with PyTorch\'s messages', () => {
  const x = torch.randn(3, 4), labels = torch.tensor([0, 1, 1]);
  const cases: [() => unknown, RegExp][] = [
    [() => F.crossEntropy(x, torch.tensor([0, 5, 1])), /^RangeError: Target 5 is out of bounds\.$/],
    [() => F.crossEntropy(x, torch.tensor([0, -5, 1])), /^RangeError: Target -5 is out of bounds\.$/],
    [() => F.crossEntropy(x, torch.tensor([0, 1])), /Expected input batch_size \(3\) to match target batch_size \(2\)\./],
    [() => F.crossEntropy(x, labels, { weight: torch.ones(3) }), /weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: \[3\]/],
    [() => F.crossEntropy(x, torch.rand(3, 3)), /0D or 1D target tensor expected, multi-target not supported/],
    [() => F.crossEntropy(x, torch.rand(3, 4), { ignoreIndex: 1 }), /ignore_index is not supported for floating point target/],
    [() => F.crossEntropy(x, labels, { labelSmoothing: 1.5 }), /label_smoothing must be between 0.0 and 1.0. Got: 1.5/],
    [() => F.crossEntropy(x, labels, { reduction: 'foo' as 'sum' }), /foo is not a valid value for reduction/],
    [() => F.crossEntropy(x, torch.tensor([0, 1, 1], { dtype: 'float32' })), /expected scalar type Long but found Float/],
    [() => F.crossEntropy(x, torch.tensor([0, 1, 1], { dtype: 'int32' })), /expected scalar type Long but found Int/],
    [() => F.crossEntropy(torch.randn(3, 4, 5), torch.zeros([3, 4], { dtype: 'int64' })), /Expected target size \[3, 5\], got \[3, 4\]/],
    [() => F.nllLoss(torch.randn([]), torch.tensor(0)), /Expected 1 or more dimensions \(got 0\)/],
    [() => F.binaryCrossEntropy(torch.rand(3), torch.rand(3, 1)), /Using a target size \(torch.Size\(\[3, 1\]\)\) that is different to the input size \(torch.Size\(\[3\]\)\) is deprecated/],
    [() => F.binaryCrossEntropy(torch.tensor([1.5]), torch.rand(1)), /all elements of input should be between 0 and 1/],
    [() => F.binaryCrossEntropyWithLogits(torch.rand(3), torch.rand(3, 1)), /Target size \(torch.Size\(\[3, 1\]\)\) must be the same as input size \(torch.Size\(\[3\]\)\)/],
    [() => F.smoothL1Loss(torch.rand(3), torch.rand(3), { beta: -1 }), /smooth_l1_loss does not support negative values for beta\./],
    [() => F.huberLoss(torch.rand(3), torch.rand(3), { delta: 0 }), /huber_loss does not support non-positive values for delta\./],
    [() => new nn.MSELoss({ reduction: 'avg' as 'mean' }), /avg is not a valid value for reduction/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
});

test('cross entropy with every target ignored is NaN for the mean, as in PyTorch', () => {
  const loss = F.crossEntropy(torch.randn(2, 3), torch.tensor([-100, -100]));
  assert.ok(Number.isNaN(loss.item()));
});

test('a loss module keeps its class weights as a buffer (PyTorch\'s state-dict key "weight")', () => {
  const loss = new nn.CrossEntropyLoss({ weight: torch.tensor([1, 2, 3], { dtype: 'float32' }) });
  assert.deepEqual(Object.keys(loss.stateDict()), ['weight']);
  assert.deepEqual(Object.keys(new nn.CrossEntropyLoss().stateDict()), []);
  assert.deepEqual(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: torch.ones(2) }).stateDict()), ['pos_weight']);
});
