/** BatchNorm1d and BatchNorm2d (native batch norm): train and eval, running statistics vs PyTorch: forward, input and parameter gradients, state after the steps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { layersOf, runLayerCase, batchNormClasses, build, stateOf, assertClose } from './fixture.js';
import { fromFixture } from '../helpers.js';
import { f32 } from './fixture.js';

for (const c of layersOf(batchNormClasses)) {
  test(`${c.name} matches PyTorch`, () => runLayerCase(c));
  // Without a gradient, batch norm takes its own native statistics and affine loops instead of oneDNN's
  // primitive: the same outputs and running statistics as PyTorch, train and eval.
  test(`${c.name} without gradients matches PyTorch`, () => torch.tidy(() => torch.noGrad(() => {
    const m = build(c.cls, c.args, c.kwargs);
    m.loadStateDict(stateOf(c.state));
    c.steps.forEach((step, s) => {
      m.train(step.mode === 'train');
      const out = m.forward(fromFixture(f32(step.input))) as torch.Tensor;
      assertClose(out, step.outputs[0], `step ${s} (${step.mode}) output`);
    });
    if (c.stateAfter) {
      const sd = m.stateDict();
      for (const [k, e] of Object.entries(c.stateAfter)) assertClose(sd[k], e, `state ${k} after the steps`);
    }
  })));
}

test('batch norm with a fused shortcut and ReLU equals relu(bn(x) + r), with and without gradients', () => torch.tidy(() => {
  for (const layout of ['contiguous', 'channels-last'] as const) {
    for (const mode of ['train', 'eval'] as const) {
      torch.manualSeed(7);
      const a = new nn.BatchNorm2d(5), b = new nn.BatchNorm2d(5);
      torch.noGrad(() => { a.weight!.normal_(1, 0.5); a.bias!.normal_(0, 0.5); a.runningMean!.normal_(0, 1); });
      b.loadStateDict(Object.fromEntries(Object.entries(a.stateDict()).map(([k, v]) => [k, v.clone()])));
      a.train(mode === 'train');
      b.train(mode === 'train');
      let x = torch.randn([3, 5, 4, 6]).mul(2).add(1), r = torch.randn([3, 5, 4, 6]);
      if (layout === 'channels-last') {
        x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        r = r.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
      }
      const fused = torch.noGrad(() => a.forwardWithResidual(x, r, true));
      const plain = b.forward(x.clone().requiresGrad_(true)).add(r).relu();
      assert.ok(torch.allclose(fused, plain.detach(), 1e-5, 1e-5), `${layout} ${mode}`);
      assert.ok(torch.allclose(a.runningVar!, b.runningVar!, 1e-6, 1e-7), `${layout} ${mode} running variance`);
      const xg = x.clone().requiresGrad_(true);
      const withGrad = a.forwardWithResidual(xg, r, false);
      withGrad.sum().backward();
      assert.ok(xg.grad !== null, 'the gradient path keeps autograd');
    }
  }
  assert.throws(() => torch.noGrad(() => new nn.BatchNorm2d(2).forwardWithResidual(torch.randn([1, 2, 3, 3]), torch.randn([1, 2, 3, 4]), true)),
    /residual's shape \[1, 2, 3, 4\] must equal the input's \[1, 2, 3, 3\]/);
}));

// nn.Sequential runs BatchNorm then ReLU as one fused kernel: values, gradients and running statistics must
// be those of the two modules one after the other (whose PyTorch parity the cases above check).
test('Sequential(BatchNorm2d, ReLU) fused equals the two modules run one after the other', () => {
  for (const mode of ['train', 'eval'] as const) {
    torch.tidy(() => {
      torch.manualSeed(4);
      const fused = new nn.Sequential(new nn.BatchNorm2d(3), new nn.ReLU());
      const plain = new nn.BatchNorm2d(3);
      plain.loadStateDict(Object.fromEntries(Object.entries(fused.stateDict()).map(([k, v]) => [k.replace(/^0\./, ''), v.clone()])));
      fused.train(mode === 'train');
      plain.train(mode === 'train');
      const base = torch.randn([4, 3, 5, 5]);
      if (mode === 'eval') {
        // Inference (no gradient) takes oneDNN's fused kernel without a mask.
        torch.noGrad(() => assert.deepEqual((fused.forward(base) as torch.Tensor).tolist(), plain.forward(base).relu().tolist(), 'inference'));
      }
      const x1 = base.clone().requiresGrad_(true), x2 = base.clone().requiresGrad_(true);
      const w = torch.randn([4, 3, 5, 5]);
      const y1 = fused.forward(x1) as torch.Tensor, y2 = plain.forward(x2).relu();
      assert.deepEqual(y1.tolist(), y2.tolist(), `${mode}: output`);
      y1.mul(w).sum().backward();
      y2.mul(w).sum().backward();
      assert.deepEqual(x1.grad!.tolist(), x2.grad!.tolist(), `${mode}: input gradient`);
      const bn = fused[0] as nn.BatchNorm2d;
      assert.deepEqual(bn.weight!.grad!.tolist(), plain.weight!.grad!.tolist(), `${mode}: weight gradient`);
      assert.deepEqual(bn.bias!.grad!.tolist(), plain.bias!.grad!.tolist(), `${mode}: bias gradient`);
      assert.deepEqual(bn.runningMean!.tolist(), plain.runningMean!.tolist(), `${mode}: running mean`);
      assert.deepEqual(bn.runningVar!.tolist(), plain.runningVar!.tolist(), `${mode}: running variance`);
    });
  }
});
