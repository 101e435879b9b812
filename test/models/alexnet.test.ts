/** AlexNet against torchvision 0.14: keys, order and shapes; eval logits; print; seeded initialisation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { models } from '../../src/models/index.js';
import { fillFormula, formulaInput } from './formula_weights.js';
import { compareLogits, describeReport, keysOf, zoo } from './zoo_fixture.js';

test('alexnet: torchvision\'s keys, order and shapes; eval logits with the formula weights', (t) => {
  const c = zoo.cases.find((x) => x.model === 'alexnet')!;
  const model = models.alexnet();
  assert.deepEqual(Object.entries(model.stateDict()).map(([k, v]) => [k, v.shape.slice()]), keysOf(c));
  fillFormula(model);
  model.eval();
  torch.tidy(() => {
    const logits = torch.noGrad(() => model.forward(formulaInput(c.inputShape)));
    t.diagnostic(describeReport(c, compareLogits(logits, c)));
  });
  for (const p of model.parameters()) p.dispose();
});

test('alexnet prints as torchvision prints it', () => {
  assert.equal(String(models.alexnet()), zoo.reprs.alexnet);
});

test('manualSeed then alexnet({ numClasses: 10 }) initialises as torchvision (PyTorch\'s layer defaults, in order)', () => {
  const init = zoo.init.find((i) => i.model === 'alexnet')!;
  torch.manualSeed(init.seed);
  const sd = models.alexnet({ numClasses: 10 }).stateDict();
  assert.deepEqual(Object.keys(sd), Object.keys(init.first));
  for (const [key, first] of Object.entries(init.first)) {
    // Conv and Linear defaults are uniform draws: bit-exact.
    assert.deepEqual(Array.from(sd[key].reshape(-1).slice(0, 0, first.length).dataSync() as Float32Array), first.map(Math.fround), key);
  }
});

test('alexnet: numClasses and dropout options; dropout is active in training only', () => {
  const m = models.alexnet({ numClasses: 7, dropout: 0.25 });
  assert.deepEqual(m.classifier.at(-1).stateDict().weight.shape, [7, 4096]);
  assert.equal((m.classifier.at(0) as torch.nn.Dropout).p, 0.25);
  torch.tidy(() => {
    const x = torch.rand(1, 3, 63, 63); // torchvision's min_size for AlexNet
    const a = torch.noGrad(() => m.eval().forward(x));
    const b = torch.noGrad(() => m.forward(x));
    assert.deepEqual(a.shape, [1, 7]);
    assert.deepEqual(Array.from(a.dataSync() as Float32Array), Array.from(b.dataSync() as Float32Array));
  });
  assert.throws(() => models.alexnet({ numClasses: 2.5 }), /numClasses must be a positive integer/);
});
