/** BatchNorm1d and BatchNorm2d (native batch norm): train and eval, running statistics vs PyTorch: forward, input and parameter gradients, state after the steps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { layersOf, runLayerCase, batchNormClasses } from './fixture.js';

for (const c of layersOf(batchNormClasses)) {
  test(`${c.name} matches PyTorch`, () => runLayerCase(c));
}

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
