/** ImageClassification against torchvision's preset (resize, center crop, scale, normalise). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { models } from '../../src/models/index.js';
import { mismatch } from '../helpers.js';
import { zoo } from './zoo_fixture.js';

const { preset } = zoo;
const image = () => torch.tensor(preset.image, { dtype: 'uint8' }).reshape(preset.imageShape);
const transform = () => new models.ImageClassification({ cropSize: preset.cropSize, resizeSize: preset.resizeSize });
// The bilinear taps round to float32 differently from ATen's single pass by a few ulps before the uint8 rounding
// and the division; 1e-5 absolute is far below one grey level after normalisation (1 / 255 / 0.229 = 0.017).
const tol = { rtol: 1e-5, atol: 1e-5 };

test('ImageClassification matches torchvision on a uint8 image [C, H, W]', () => {
  torch.tidy(() => {
    const out = transform().forward(image());
    assert.equal(mismatch(out, preset.output, tol), null);
  });
});

test('ImageClassification takes a dataset image [H, W, C] and batches [N, C, H, W] / [N, H, W, C] alike', () => {
  torch.tidy(() => {
    const t = transform();
    const chw = image();
    assert.equal(mismatch(t.forward(chw.permute(1, 2, 0).contiguous()), preset.output, tol), null);
    const batch = t.forwardBatch(torch.stack([chw, chw]));
    assert.deepEqual(batch.shape, [2, ...preset.output.shape]);
    assert.equal(mismatch(batch.select(0, 1), preset.output, tol), null);
    const hwcBatch = t.forwardBatch(torch.stack([chw, chw]).permute(0, 2, 3, 1).contiguous());
    assert.equal(mismatch(hwcBatch.select(0, 0), preset.output, tol), null);
  });
});

test('ImageClassification defaults are the ImageNet weights\' (resize 256, mean and std); float images are taken as scaled', () => {
  const t = new models.ImageClassification({ cropSize: 224 });
  assert.deepEqual([t.resizeSize, t.mean, t.std], [preset.defaults.resizeSize, preset.defaults.mean, preset.defaults.std]);
  torch.tidy(() => {
    const out = t.forward(torch.full([3, 300, 260], 0.5));
    assert.deepEqual(out.shape, [3, 224, 224]);
    const v = Array.from(out.select(1, 100).select(1, 100).dataSync() as Float32Array);
    const want = preset.defaults.mean.map((m, c) => (0.5 - m) / preset.defaults.std[c]);
    v.forEach((x, c) => assert.ok(Math.abs(x - want[c]) <= 1e-6, `channel ${c}: ${x}, expected ${want[c]}`));
  });
  assert.throws(() => t.forward(torch.zeros([3, 8, 8], { dtype: 'int32' })), /expects a uint8 or floating image/);
});
