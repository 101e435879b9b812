import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Tensor } from '../../src/index.js';
import { DataLoader, DatasetNotFoundError, ImageDecodeError, datasets, transforms } from '../../src/data/index.js';
import { fixturePath, loadFixture } from '../helpers.js';

const require = createRequire(import.meta.url);
const { PNG } = require('pngjs') as typeof import('pngjs');
const jpeg = require('jpeg-js') as typeof import('jpeg-js');

const ROOT = fixturePath('data/images');
const expected = loadFixture<Record<string, { shape: number[]; values: number[] }>>('data/images/expected.json');

test('ImageFolder finds classes and files in torchvision\'s order and decodes like PIL', () => {
  const ds = new datasets.ImageFolder(join(ROOT, 'train'));
  assert.deepEqual(ds.classes, ['cat', 'dog']);
  assert.deepEqual(ds.classToIdx, { cat: 0, dog: 1 });
  const rel = ds.samples.map(([p, c]) => [relative(ROOT, p), c]);
  assert.deepEqual(rel, [
    ['train/cat/a_rgb.png', 0], ['train/cat/b_rgba.png', 0], ['train/cat/c_gray.png', 0], ['train/cat/sub/d_palette.png', 0],
    ['train/dog/a_smooth.jpg', 1], ['train/dog/b_gray.jpeg', 1], ['train/dog/c_rgb.png', 1],
  ]);
  assert.deepEqual(ds.targets, [0, 0, 0, 0, 1, 1, 1]);
  for (const [i, [path]] of ds.samples.entries()) {
    const want = expected[relative(ROOT, path)];
    const [img, label] = ds.get(i);
    assert.equal(label, ds.targets[i]);
    assert.equal(img.dtype, 'uint8');
    assert.deepEqual(img.shape, want.shape, path);
    const got = img.dataSync() as Uint8Array;
    // PNG is lossless: exact. JPEG decoders (jpeg-js here, libjpeg in PIL) may differ by rounding.
    const tol = path.endsWith('.png') ? 0 : 3;
    let worst = 0;
    for (let k = 0; k < want.values.length; k++) worst = Math.max(worst, Math.abs(got[k] - want.values[k]));
    assert.ok(worst <= tol, `${path}: largest pixel difference from PIL is ${worst}`);
  }
});

test('broken image files raise ImageDecodeError naming the file', () => {
  const ds = new datasets.ImageFolder(join(ROOT, 'broken'), { extensions: ['.png', '.jpg'] });
  assert.equal(ds.length, 3);
  for (let i = 0; i < ds.length; i++) {
    const path = ds.samples[i][0];
    assert.throws(() => ds.get(i), (e: unknown) => {
      assert.ok(e instanceof ImageDecodeError, String(e));
      assert.equal(e.file, path);
      assert.ok(e.message.startsWith(path));
      return true;
    });
  }
  assert.throws(() => ds.get(2), /not a PNG or JPEG file \(first bytes: 68 65 6c 6c/);
});

test('images made by the npm encoders round-trip, and a folder feeds a DataLoader with transforms', () => {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-images-'));
  try {
    const pixels = (w: number, h: number, seed: number) => Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 37 + seed * 11) % 256);
    for (const [cls, n] of [['ants', 3], ['bees', 2]] as const) {
      mkdirSync(join(dir, cls));
      for (let k = 0; k < n; k++) {
        const w = 10 + k, h = 8;
        const png = new PNG({ width: w, height: h });
        png.data.set(pixels(w, h, k));
        writeFileSync(join(dir, cls, `${k}.png`), PNG.sync.write(png));
        const data = Buffer.alloc(w * h * 4, 128);
        writeFileSync(join(dir, cls, `${k}.jpg`), jpeg.encode({ data, width: w, height: h }, 90).data);
      }
    }
    const ds = new datasets.ImageFolder(dir, {
      transform: new transforms.Compose([new transforms.Resize([8, 8]), new transforms.ToTensor(), new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]),
    });
    assert.equal(ds.length, 10);
    const rawSet = new datasets.ImageFolder(dir);
    const [png0] = rawSet.get(rawSet.samples.findIndex(([p]) => p.endsWith(join('ants', '0.png'))));
    const rgba = pixels(10, 8, 0);
    const rgb = (png0.dataSync() as Uint8Array);
    for (let p = 0; p < 80; p++) for (let c = 0; c < 3; c++) assert.equal(rgb[3 * p + c], rgba[4 * p + c]);
    const [jpg0] = rawSet.get(rawSet.samples.findIndex(([p]) => p.endsWith(join('ants', '0.jpg'))));
    assert.ok((jpg0.dataSync() as Uint8Array).every((v) => Math.abs(v - 128) <= 2), 'a flat grey JPEG decodes to grey');
    let count = 0;
    for (const [x, y] of new DataLoader(ds, { batchSize: 4, shuffle: true })) {
      assert.deepEqual(x.shape.slice(1), [3, 8, 8]);
      assert.equal(y.dtype, 'int64');
      count += x.shape[0];
    }
    assert.equal(count, 10);
    const custom = new datasets.ImageFolder(dir, { loader: () => null as unknown as Tensor, extensions: ['.jpg'] });
    assert.equal(custom.length, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ImageFolder refuses a root without classes or a class without images', () => {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-images-'));
  try {
    assert.throws(() => new datasets.ImageFolder(dir), (e: unknown) => e instanceof DatasetNotFoundError && /couldn't find any class folder/.test(e.message));
    mkdirSync(join(dir, 'empty'));
    assert.throws(() => new datasets.ImageFolder(dir), /found no valid file for the classes empty/);
    assert.throws(() => new datasets.ImageFolder(join(dir, 'nope')), /is not a folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
