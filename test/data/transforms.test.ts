import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { transforms } from '../../src/data/index.js';
import { loadFixture } from '../helpers.js';

interface Encoded { shape: number[]; values: number[] }
interface Case {
  op: string; size?: number | number[]; mode?: 'bilinear' | 'bicubic' | 'nearest'; shape: number[]; values: number[];
  seed?: number; padding?: number; outputs?: number[][]; p?: number; flipped?: boolean[]; mean?: number[]; std?: number[];
}
const fx = loadFixture<{ input: Encoded; input_uint8: Encoded; hwc_uint8: Encoded; cases: Case[] }>('data/transforms.json');
const make = (e: Encoded, dtype: torch.DType = 'float32') => torch.tensor(e.values, { dtype }).reshape(e.shape);

function close(actual: Tensor, shape: number[], values: number[], atol: number, what: string): void {
  assert.deepEqual(actual.shape, shape, `${what}: shape`);
  const got = Array.from(actual.dataSync() as Float32Array, Number);
  for (let i = 0; i < values.length; i++) {
    assert.ok(Math.abs(got[i] - values[i]) <= atol, `${what}: element ${i} is ${got[i]}, torchvision gives ${values[i]}`);
  }
}

test('Resize (bilinear, bicubic and nearest) matches torchvision on float and uint8 images', () => {
  const x = make(fx.input);
  for (const c of fx.cases.filter((k) => k.op === 'resize')) {
    const r = new transforms.Resize(c.size as number, { interpolation: c.mode });
    close(r.forward(x), c.shape, c.values, 2e-6, `Resize(${JSON.stringify(c.size)}, ${c.mode})`);
    close(r.forwardBatch(x.unsqueeze(0)).squeeze(0), c.shape, c.values, 2e-6, `Resize batch ${JSON.stringify(c.size)}`);
  }
  const uint8Cases = fx.cases.filter((k) => k.op === 'resize_uint8');
  assert.deepEqual(uint8Cases.map((k) => k.mode), ['bilinear', 'bicubic', 'bicubic']);
  for (const c of uint8Cases) {
    const out = new transforms.Resize(c.size as [number, number], { interpolation: c.mode }).forward(make(fx.input_uint8, 'uint8'));
    assert.equal(out.dtype, 'uint8');
    close(out, c.shape, c.values, 0, `Resize uint8 ${c.mode} ${JSON.stringify(c.size)}`);
  }
  assert.throws(() => new transforms.Resize(0), RangeError);
  assert.throws(() => new transforms.Resize(4, { interpolation: 'lanczos' as 'bicubic' }), /interpolation must be 'bilinear', 'bicubic' or 'nearest'/);
});

test('CenterCrop matches torchvision, padding when the crop is larger', () => {
  const x = make(fx.input);
  for (const c of fx.cases.filter((k) => k.op === 'center_crop')) {
    const out = new transforms.CenterCrop(c.size as [number, number]).forward(x);
    close(out, c.shape, c.values, 0, `CenterCrop(${JSON.stringify(c.size)})`);
  }
});

test('RandomCrop and RandomHorizontalFlip draw what torchvision draws after the same seed', () => {
  const x = make(fx.input);
  const crop = fx.cases.find((k) => k.op === 'random_crop')!;
  torch.manualSeed(crop.seed!);
  const t = new transforms.RandomCrop(crop.size as number, { padding: crop.padding });
  for (const [i, want] of crop.outputs!.entries()) close(t.forward(x), crop.shape, want, 0, `RandomCrop draw ${i}`);
  const flip = fx.cases.find((k) => k.op === 'random_flip')!;
  torch.manualSeed(flip.seed!);
  const f = new transforms.RandomHorizontalFlip(flip.p);
  const flipped = flip.flipped!.map(() => f.forward(x).equal(x.flip(-1)));
  assert.deepEqual(flipped, flip.flipped);
});

test('ToTensor + Normalize match torchvision; shapes for HW, HWC and batches', () => {
  const c = fx.cases.find((k) => k.op === 'to_tensor_normalize')!;
  const img = make(fx.hwc_uint8, 'uint8');
  const pipeline = new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize(c.mean!, c.std!)]);
  close(pipeline.forward(img), c.shape, c.values, 1e-6, 'ToTensor+Normalize');
  assert.ok(pipeline.supportsBatch);
  const batch = torch.stack([img, img.flip(0)]);
  const out = pipeline.forwardBatch(batch);
  assert.deepEqual(out.shape, [2, ...c.shape]);
  close(out.select(0, 0), c.shape, c.values, 1e-6, 'batched ToTensor+Normalize');
  const gray = new transforms.ToTensor().forward(torch.full([28, 28], 255, { dtype: 'uint8' }));
  assert.deepEqual(gray.shape, [1, 28, 28]);
  assert.equal(gray.dtype, 'float32');
  assert.equal(gray.max().item(), 1);
  assert.deepEqual(new transforms.ToTensor().forwardBatch(torch.zeros([5, 28, 28], { dtype: 'uint8' })).shape, [5, 1, 28, 28]);
  assert.throws(() => new transforms.Normalize([0.5], [0.5]).forward(img), /floating point/);
  assert.throws(() => new transforms.Normalize([0.5, 0.5], [0.5, 0.5]).forward(torch.zeros([3, 2, 2])), /3 channels/);
  assert.throws(() => new transforms.Normalize([0.5], [0]), /division by zero/);
});

test('batched random transforms give each sample its own draw; deterministic ones equal per-sample results', () => {
  torch.manualSeed(0);
  const x = torch.rand([16, 3, 8, 8]);
  const flip = new transforms.RandomHorizontalFlip(0.5).forwardBatch(x);
  let flipped = 0;
  for (let i = 0; i < 16; i++) {
    const xi = x.select(0, i), yi = flip.select(0, i);
    if (yi.equal(xi.flip(-1))) flipped++;
    else assert.ok(yi.equal(xi));
  }
  assert.ok(flipped > 0 && flipped < 16, `${flipped} of 16 flipped`);
  const crops = new transforms.RandomCrop(6, { padding: 2 }).forwardBatch(x);
  assert.deepEqual(crops.shape, [16, 3, 6, 6]);
  const center = new transforms.CenterCrop(5);
  assert.ok(center.forwardBatch(x).select(0, 3).equal(center.forward(x.select(0, 3))));
  const resize = new transforms.Resize([5, 11]);
  assert.ok(resize.forwardBatch(x).select(0, 2).allclose(resize.forward(x.select(0, 2))));
  assert.throws(() => new transforms.RandomCrop(10).forward(x.select(0, 0)), /larger than input image size/);
  assert.deepEqual(new transforms.RandomCrop(10, { padIfNeeded: true }).forward(x.select(0, 0)).shape, [3, 10, 10]);
  const lambda = new transforms.Compose([(t: Tensor) => t.mul(2)]);
  assert.equal(lambda.supportsBatch, false, 'a plain function has no known batched form');
  assert.ok(new transforms.Lambda((t: Tensor) => t.mul(2), { batch: true }).supportsBatch);
});

test('transforms free their intermediates', () => {
  const x = torch.rand([3, 10, 10]);
  const pipeline = new transforms.Compose([
    new transforms.RandomCrop(8, { padding: 1 }), new transforms.RandomHorizontalFlip(), new transforms.Resize([6, 6]),
    new transforms.CenterCrop(4), new transforms.Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2]),
  ]);
  pipeline.forward(x).dispose();
  const before = torch.memory().numTensors;
  for (let i = 0; i < 20; i++) pipeline.forward(x).dispose();
  assert.equal(torch.memory().numTensors, before);
});
