/**
 * EfficientNet B0-B7 vs torchvision 0.14 (test/fixtures/models_effvit.json): state-dict keys, their order and
 * shapes, parameter counts and eval logits with the formula weights; per-variant settings (stochastic depth,
 * batch-norm eps, dropout); numClasses; the weights option; initialisation; preprocessing presets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import {
  EfficientNet, EFFICIENTNET_PRESETS, efficientnet_b0, efficientnet_b1, efficientnet_b2, efficientnet_b3,
  efficientnet_b4, efficientnet_b5, efficientnet_b6, efficientnet_b7, efficientnetConfig,
} from '../../src/models/efficientnet.js';
import { MBConv, makeDivisible } from '../../src/models/efficientnet_blocks.js';
import { checkLogits, expectedKeys, keysOf, modelCase, release } from './efficientnet_vit_fixture.js';

const builders = { efficientnet_b0, efficientnet_b1, efficientnet_b2, efficientnet_b3, efficientnet_b4, efficientnet_b5, efficientnet_b6, efficientnet_b7 };

const blocksOf = (m: EfficientNet): MBConv[] => m.modules().filter((x): x is MBConv => x instanceof MBConv);
const batchNormsOf = (m: EfficientNet) => m.modules().filter((x): x is nn.BatchNorm2d => x instanceof nn.BatchNorm2d);

for (const [name, build] of Object.entries(builders)) {
  test(`${name}: torchvision's keys, order, shapes and logits`, (t) => {
    const c = modelCase(name);
    const model = build();
    try {
      assert.deepEqual(keysOf(model), expectedKeys(c));
      assert.equal(model.parameters().reduce((n, p) => n + p.numel(), 0), c.numParameters);
      // Stochastic depth grows linearly with the block index to 0.2 * (blocks - 1) / blocks.
      const blocks = blocksOf(model);
      blocks.forEach((b, i) => assert.equal(b.stochastic_depth.p, (0.2 * i) / blocks.length));
      const late = ['efficientnet_b5', 'efficientnet_b6', 'efficientnet_b7'].includes(name);
      for (const bn of batchNormsOf(model)) {
        assert.equal(bn.eps, late ? 1e-3 : 1e-5);
        assert.equal(bn.momentum, late ? 0.01 : 0.1);
      }
      const dropout = (model.classifier.at(0) as nn.Dropout).p;
      assert.equal(dropout, { b0: 0.2, b1: 0.2, b2: 0.3, b3: 0.3, b4: 0.4, b5: 0.4, b6: 0.5, b7: 0.5 }[name.slice(-2)]);
      const err = checkLogits(model, c);
      t.diagnostic(`${name}: max abs error ${err.maxAbs.toExponential(2)}, max rel ${err.maxRel.toExponential(2)}, max |logit| ${err.maxLogit.toFixed(2)}, PyTorch f32-vs-f64 ${c.float32Noise.toExponential(2)}`);
    } finally {
      release(model);
    }
  });
}

test('efficientnetConfig scales channels to multiples of 8 and depth up', () => {
  assert.deepEqual(efficientnetConfig(1.1, 1.2).map((s) => s.numLayers), [2, 3, 3, 4, 4, 5, 2]);
  assert.deepEqual(efficientnetConfig(2.0, 3.1).map((s) => s.outChannels), [32, 48, 80, 160, 224, 384, 640]);
  assert.equal(makeDivisible(32 * 1.1, 8), 32);
  assert.equal(makeDivisible(16 * 1.4, 8), 24);
  assert.equal(makeDivisible(3, 8), 8);
  assert.equal(makeDivisible(91, 8), 88);
  assert.equal(makeDivisible(36, 32), 64); // rounding down to 32 would lose more than 10%
});

test('numClasses, initialisation, train-mode forward and backward', () => {
  torch.manualSeed(0);
  const m = efficientnet_b0({ numClasses: 7 });
  try {
    const fc = m.classifier.at(1) as nn.Linear;
    assert.deepEqual(fc.weight.shape, [7, 1280]);
    assert.ok(fc.weight.abs().max().item() <= 1 / Math.sqrt(7));
    assert.equal(fc.bias!.abs().max().item(), 0);
    // kaiming_normal_(fan_out): the stem's std is √(2 / (32 · 3 · 3)) = 0.083.
    const stem = (m.features.at(0) as nn.Sequential).at(0) as nn.Conv2d;
    assert.ok(Math.abs(stem.weight.std().item() - Math.sqrt(2 / 288)) < 0.01);
    const bn = batchNormsOf(m)[5];
    assert.equal(bn.weight!.min().item(), 1);
    assert.equal(bn.bias!.abs().max().item(), 0);
    m.train();
    const x = torch.randn(2, 3, 32, 32);
    const loss = m.forward(x).square().mean();
    loss.backward();
    assert.deepEqual(stem.weight.grad!.shape, stem.weight.shape);
    assert.ok(Number.isFinite(stem.weight.grad!.abs().sum().item()));
  } finally {
    release(m);
  }
});

test('weights: a checkpoint path loads strictly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'effnet-'));
  const a = efficientnet_b0({ numClasses: 3 });
  let b: EfficientNet | null = null;
  try {
    const path = join(dir, 'b0.safetensors');
    torch.save(a.stateDict(), path);
    b = efficientnet_b0({ numClasses: 3, weights: path });
    for (const [k, v] of Object.entries(b.stateDict())) assert.ok(v.equal(a.stateDict()[k]), k);
    assert.throws(() => efficientnet_b0({ weights: path }), /size mismatch for classifier\.1\.weight/);
    assert.throws(() => efficientnet_b1({ numClasses: 3, weights: path }), /Missing key\(s\) in state_dict/);
  } finally {
    release(a);
    if (b) release(b);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options fail with a clear error', () => {
  assert.throws(() => efficientnet_b0({ numClasses: 0 }), /numClasses must be a positive integer/);
  assert.throws(() => efficientnet_b0({ stochasticDepthProb: 1.5 }), /stochasticDepthProb must be in \[0, 1\]/);
  assert.throws(() => new EfficientNet([], 0.2), /should not be empty/);
});

test("presets: torchvision's IMAGENET1K_V1 preprocessing", () => {
  assert.deepEqual(
    Object.values(EFFICIENTNET_PRESETS).map((p) => [p.resizeSize, p.cropSize]),
    [[256, 224], [256, 240], [288, 288], [320, 300], [384, 380], [456, 456], [528, 528], [600, 600]],
  );
  for (const p of Object.values(EFFICIENTNET_PRESETS)) {
    assert.equal(p.interpolation, 'bicubic');
    assert.deepEqual(p.mean, [0.485, 0.456, 0.406]);
    assert.deepEqual(p.std, [0.229, 0.224, 0.225]);
  }
});
