/**
 * ResNets against torchvision 0.14: state-dict keys, order and shapes; eval logits with the formula weights;
 * the printed module; the seeded initialisation; zeroInitResidual; dilation. Training: resnet_training.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { models } from '../../src/models/index.js';
import { fillFormula, formulaInput } from './formula_weights.js';
import { build, compareLogits, describeReport, keysOf, zoo, type ModelCase } from './zoo_fixture.js';

const resnetCases = zoo.cases.filter((c) => c.model !== 'alexnet');

// Cases of the same model and options share one built model (resnet50 runs at 64x64 and at 224x224).
const groups = new Map<string, ModelCase[]>();
for (const c of resnetCases) {
  const key = JSON.stringify([c.model, c.kwargs]);
  groups.set(key, [...(groups.get(key) ?? []), c]);
}

for (const cases of groups.values()) {
  const { model: name, kwargs } = cases[0];
  test(`${name}(${JSON.stringify(kwargs)}): torchvision's keys, order and shapes; eval logits on ${cases.map((c) => `[${c.inputShape}]`).join(', ')}`, (t) => {
    const model = build(name, kwargs);
    const keys = Object.entries(model.stateDict()).map(([k, v]) => [k, v.shape.slice()]);
    assert.deepEqual(keys, keysOf(cases[0]));
    fillFormula(model);
    model.eval();
    for (const c of cases) {
      torch.tidy(() => {
        const logits = torch.noGrad(() => model.forward(formulaInput(c.inputShape)) as torch.Tensor);
        t.diagnostic(describeReport(c, compareLogits(logits, c)));
      });
    }
    for (const tensor of Object.values(model.stateDict({ keepVars: true }))) tensor.dispose();
  });
}

test('resnet18 and resnet50 print as torchvision prints them', () => {
  assert.equal(String(models.resnet18()), zoo.reprs.resnet18);
  assert.equal(String(models.resnet50()), zoo.reprs.resnet50);
});

for (const init of zoo.init.filter((i) => i.model !== 'alexnet')) {
  test(`manualSeed(${init.seed}) then ${init.model}(${JSON.stringify(init.kwargs)}) initialises as torchvision (draws and their order)`, () => {
    torch.manualSeed(init.seed);
    const sd = build(init.model, init.kwargs).stateDict();
    assert.deepEqual(Object.keys(init.first), Object.keys(sd).filter((k) => !k.endsWith('num_batches_tracked')));
    for (const [key, first] of Object.entries(init.first)) {
      const got = Array.from(sd[key].reshape(-1).slice(0, 0, first.length).dataSync() as Float32Array);
      // Uniform draws are bit-exact; normal draws agree to float32 rounding of the Box-Muller transform.
      for (let i = 0; i < first.length; i++) {
        assert.ok(Math.abs(got[i] - first[i]) <= 1e-6 + 1e-5 * Math.abs(first[i]), `${key}[${i}]: ${got[i]}, torchvision ${first[i]}`);
      }
    }
  });
}

test('zeroInitResidual zeroes the last norm scale of every block (BasicBlock: bn2, Bottleneck: bn3)', () => {
  for (const [block, last] of [[models.BasicBlock, 'bn2'], [models.Bottleneck, 'bn3']] as const) {
    const m = new models.ResNet(block, [1, 1, 1, 2], { zeroInitResidual: true, numClasses: 2 });
    const scales = Object.entries(m.stateDict()).filter(([k]) => /^layer\d\.\d+\.bn\d\.weight$/.test(k));
    assert.equal(scales.length, 5 * (block === models.Bottleneck ? 3 : 2));
    for (const [k, v] of scales) {
      const values = Array.from(v.dataSync() as Float32Array);
      assert.ok(values.every((x) => x === (k.endsWith(`${last}.weight`) ? 0 : 1)), k);
    }
  }
});

test('bad options fail with a clear error', () => {
  assert.throws(() => models.resnet18({ numClasses: 0 }), /numClasses must be a positive integer/);
  assert.throws(() => new models.ResNet(models.BasicBlock, [2, 2, 2], {}), /layers should be 4 positive block counts/);
  assert.throws(() => new models.ResNet(models.BasicBlock, [2, 2, 2, 2], { groups: 2 }), /BasicBlock only supports groups=1 and base_width=64/);
  assert.throws(() => new models.ResNet(models.BasicBlock, [2, 2, 2, 2], { replaceStrideWithDilation: [false, false, true] }), /Dilation > 1 not supported/);
});

test('replaceStrideWithDilation keeps layer4 at the resolution of layer3 (Bottleneck)', () => {
  const m = new models.ResNet(models.Bottleneck, [1, 1, 1, 2], { numClasses: 3, replaceStrideWithDilation: [false, false, true] }).eval();
  const conv = m.layer4.at(1) as models.Bottleneck;
  assert.deepEqual([conv.conv2.dilation, conv.conv2.padding], [[2, 2], [2, 2]]);
  torch.tidy(() => {
    const x = torch.noGrad(() => m.layer4.forward(torch.zeros(1, 1024, 4, 4)) as torch.Tensor);
    assert.deepEqual(x.shape, [1, 2048, 4, 4]);
  });
});
