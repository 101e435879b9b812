/**
 * ViT-B/16 and ViT-B/32 vs torchvision 0.14 (test/fixtures/models_effvit.json): state-dict keys, their order
 * and shapes, parameter counts and eval logits with the formula weights; numClasses, representationSize,
 * initialisation, the image-size check, pre-0.13 checkpoint keys, the weights option and the presets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { VisionTransformer, VIT_PRESETS, vit_b_16, vit_b_32 } from '../../src/models/vit.js';
import { EncoderBlock } from '../../src/models/vit_blocks.js';
import { loadWeights } from '../../src/models/weights.js';
import { checkLogits, expectedKeys, keysOf, modelCase, release } from './efficientnet_vit_fixture.js';

for (const [name, build] of Object.entries({ vit_b_16, vit_b_32 })) {
  test(`${name}: torchvision's keys, order, shapes and logits`, (t) => {
    const c = modelCase(name);
    const model = build();
    try {
      assert.deepEqual(keysOf(model), expectedKeys(c));
      assert.equal(model.parameters().reduce((n, p) => n + p.numel(), 0), c.numParameters);
      const err = checkLogits(model, c);
      t.diagnostic(`${name}: max abs error ${err.maxAbs.toExponential(2)}, max rel ${err.maxRel.toExponential(2)}, max |logit| ${err.maxLogit.toFixed(2)}, PyTorch f32-vs-f64 ${c.float32Noise.toExponential(2)}`);
    } finally {
      release(model);
    }
  });
}

/** A ViT small enough to build many times: 32x32 images, 16x16 patches, 2 layers of width 8. */
const tiny = (options = {}) => new VisionTransformer(32, 16, 2, 2, 8, 16, options);

test("initialisation follows torchvision's", () => {
  torch.manualSeed(0);
  const m = vit_b_32({ numClasses: 5 });
  try {
    const head = m.heads.at(0) as nn.Linear;
    assert.deepEqual(head.weight.shape, [5, 768]);
    assert.equal(head.weight.abs().max().item(), 0);
    assert.equal(m.class_token.abs().max().item(), 0);
    // Patch projection N(0, 1/fanIn) truncated at ±2, fanIn = 3 · 32 · 32.
    assert.ok(Math.abs(m.conv_proj.weight.std().item() - Math.sqrt(1 / 3072)) < 0.001);
    assert.ok(Math.abs(m.encoder.pos_embedding.std().item() - 0.02) < 0.001);
    const mlp = (m.encoder.layers.at(0) as EncoderBlock).mlp;
    const fc1 = mlp.at(0) as nn.Linear;
    // xavier_uniform_: U(±√(6 / (768 + 3072))); biases N(0, 1e-6²).
    assert.ok(fc1.weight.abs().max().item() <= Math.sqrt(6 / 3840));
    assert.ok(fc1.bias!.abs().max().item() < 1e-5 && fc1.bias!.abs().max().item() > 0);
    const ln = (m.encoder.layers.at(0) as EncoderBlock).ln_1 as nn.LayerNorm;
    assert.equal(ln.eps, 1e-6);
  } finally {
    release(m);
  }
});

test('representationSize adds pre_logits and act; training forward and backward run', () => {
  torch.tidy(() => {
    const m = tiny({ numClasses: 3, representationSize: 6, dropout: 0.1, attentionDropout: 0.1 });
    assert.deepEqual(Object.keys(m.stateDict()).filter((k) => k.startsWith('heads')),
      ['heads.pre_logits.weight', 'heads.pre_logits.bias', 'heads.head.weight', 'heads.head.bias']);
    assert.ok(m.heads.at(1) instanceof nn.Tanh);
    nn.init.normal_((m.heads.at(2) as nn.Linear).weight); // the zero-initialised head would block every gradient
    const x = torch.randn(2, 3, 32, 32);
    m.forward(x).square().sum().backward();
    assert.deepEqual(m.class_token.grad!.shape, [1, 1, 8]);
    assert.ok(m.encoder.pos_embedding.grad!.abs().sum().item() > 0);
  });
});

test('the image size is checked', () => {
  torch.tidy(() => {
    const m = tiny();
    assert.throws(() => m.forward(torch.randn(1, 3, 32, 48)), /Wrong image width! Expected 32 but got 48!/);
    assert.throws(() => m.forward(torch.randn(1, 3, 16, 32)), /Wrong image height! Expected 32 but got 16!/);
    assert.throws(() => new VisionTransformer(30, 16, 1, 1, 8, 8), /Input shape indivisible by patch size!/);
    assert.throws(() => vit_b_16({ numClasses: -1 }), /numClasses must be a positive integer/);
  });
});

test('old checkpoints with mlp.linear_1 / mlp.linear_2 keys load (renamed to mlp.0 / mlp.3)', () => {
  torch.tidy(() => {
    const a = tiny();
    for (const p of a.parameters()) nn.init.normal_(p);
    const legacy = new Map<string, Tensor>();
    for (const [k, v] of Object.entries(a.stateDict())) legacy.set(k.replace(/mlp\.0\./, 'mlp.linear_1.').replace(/mlp\.3\./, 'mlp.linear_2.'), v);
    assert.ok(legacy.has('encoder.layers.encoder_layer_1.mlp.linear_2.bias'));
    const b = tiny();
    b.loadStateDict(legacy);
    for (const [k, v] of Object.entries(b.stateDict())) assert.ok(v.equal(a.stateDict()[k]), k);
    // Loading at an inner level renames too, and through the builders' loader.
    const c = tiny();
    c.encoder.loadStateDict(new Map([...legacy].filter(([k]) => k.startsWith('encoder.')).map(([k, v]) => [k.slice(8), v])));
    assert.ok(c.encoder.layers.stateDict()['encoder_layer_0.mlp.0.weight'].equal(a.encoder.layers.stateDict()['encoder_layer_0.mlp.0.weight']));
    const d = loadWeights(tiny(), legacy);
    assert.ok(d.stateDict()['encoder.layers.encoder_layer_1.mlp.3.weight'].equal(a.stateDict()['encoder.layers.encoder_layer_1.mlp.3.weight']));
  });
});

test('weights: a checkpoint path loads strictly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vit-'));
  try {
    torch.tidy(() => {
      const a = tiny();
      for (const p of a.parameters()) nn.init.normal_(p);
      const path = join(dir, 'tiny.safetensors');
      torch.save(a.stateDict(), path);
      const b = loadWeights(tiny(), path);
      for (const [k, v] of Object.entries(b.stateDict())) assert.ok(v.equal(a.stateDict()[k]), k);
      assert.throws(() => loadWeights(tiny({ numClasses: 4 }), path), /size mismatch for heads\.head\.weight/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("presets: torchvision's IMAGENET1K_V1 preprocessing", () => {
  for (const p of Object.values(VIT_PRESETS)) {
    assert.deepEqual([p.resizeSize, p.cropSize, p.interpolation], [256, 224, 'bilinear']);
    assert.deepEqual(p.mean, [0.485, 0.456, 0.406]);
    assert.deepEqual(p.std, [0.229, 0.224, 0.225]);
  }
});
