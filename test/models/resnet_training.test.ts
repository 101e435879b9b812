/**
 * One training step of small ResNets against torchvision: batch statistics, cross entropy, and backward
 * through the fused batch-norm + ReLU, the residual additions and the in-place ReLUs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn } from '../../src/index.js';
import { models } from '../../src/models/index.js';
import { fillFormula, formulaInput } from './formula_weights.js';
import { zoo } from './zoo_fixture.js';

for (const c of zoo.training) {
  test(`a training step of ResNet(${c.block}, [1, 1, 1, 1]) matches torchvision: logits, loss, every gradient, running statistics`, (t) => {
    const block = c.block === 'BasicBlock' ? models.BasicBlock : models.Bottleneck;
    const model = new models.ResNet(block, [1, 1, 1, 1], { numClasses: 3 });
    fillFormula(model);
    model.train();
    // The input is shifted as the generator chose it (no ReLU input near zero, see tools/gen_models_fixtures.py).
    // Compared with PyTorch's float64 step: rtol 1e-4 of each quantity's scale, plus 3 times PyTorch's own
    // float32 error (batch norm over the 8 values per channel that reach layer4 amplifies rounding).
    let worst = 0; // max |error| / scale over the gradient entries compared
    const close = (got: number, want: number, scale: number, f32Error: number, what: string) =>
      assert.ok(Math.abs(got - want) <= 1e-4 * scale + 3 * f32Error, `${what}: ${got}, PyTorch float64 ${want}`);
    torch.tidy(() => {
      const logits = model.forward(formulaInput(c.inputShape).add(c.inputShift));
      const want = c.logits64.data as number[];
      const scale = Math.max(...want.map(Math.abs));
      Array.from(logits.dataSync() as Float32Array).forEach((v, i) => close(v, want[i], scale, c.logitsFloat32Error, `logit ${i}`));
      const target = torch.arange(c.inputShape[0]).remainder(3);
      const loss = nn.functional.crossEntropy(logits, target);
      close(loss.item(), c.loss64, c.loss64, c.lossFloat32Error, 'loss');
      loss.backward();
    });
    const params = new Map(model.namedParameters());
    assert.deepEqual([...params.keys()], Object.keys(c.grads));
    for (const [key, g] of Object.entries(c.grads)) {
      const grad = params.get(key)!.grad!;
      close(Math.sqrt(grad.square().sum().item()), g.norm, g.norm, g.float32Error * Math.sqrt(g.numel), `|grad ${key}|`);
      // An entry near zero is a sum of terms the size of the gradient's root mean square, no more precise than they are.
      const rms = g.norm / Math.sqrt(g.numel);
      const first = Array.from(grad.reshape(-1).slice(0, 0, g.first.length).dataSync() as Float32Array);
      first.forEach((v, i) => {
        close(v, g.first[i], rms, g.float32Error, `grad ${key}[${i}]`);
        if (rms > 0) worst = Math.max(worst, Math.abs(v - g.first[i]) / rms);
      });
    }
    const pytorchWorst = Math.max(...Object.values(c.grads).filter((g) => g.norm > 0).map((g) => g.float32Error * Math.sqrt(g.numel) / g.norm));
    t.diagnostic(`${c.name}: gradient entries vs float64, max |error| / rms ${worst.toExponential(2)} (PyTorch float32 over whole gradients: ${pytorchWorst.toExponential(2)})`);
    const sd = model.stateDict();
    for (const [key, first] of Object.entries(c.running)) {
      const got = Array.from(sd[key].reshape(-1).slice(0, 0, first.length).dataSync() as Float32Array);
      got.forEach((v, i) => assert.ok(Math.abs(v - first[i]) <= 1e-5 + 1e-4 * Math.abs(first[i]), `${key}[${i}]: ${v}, PyTorch ${first[i]}`));
    }
  });
}
