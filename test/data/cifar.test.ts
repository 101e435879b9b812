import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../../src/index.js';
import { DataLoader, DatasetFormatError, DatasetNotFoundError, datasets, transforms } from '../../src/data/index.js';
import { fixturePath, loadFixture } from '../helpers.js';

const ROOT = fixturePath('data/cifar');
const BIN = join(ROOT, 'cifar-10-batches-bin');
const expected = loadFixture<Record<string, { labels: number[]; hwc_first_row: number[][]; sum: number }>>('data/cifar/expected.json');

test('CIFAR10 reads binary batches into HWC uint8 data and int64 targets', () => {
  const train = new datasets.CIFAR10({ root: ROOT });
  const test_ = new datasets.CIFAR10({ root: ROOT, train: false });
  assert.equal(train.length, 10);
  assert.equal(test_.length, 3);
  assert.deepEqual(train.data.shape, [10, 32, 32, 3]);
  assert.equal(train.data.dtype, 'uint8');
  const files = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
  assert.deepEqual(train.targets.tolist(), files.flatMap((f) => expected[f].labels));
  assert.deepEqual(test_.targets.tolist(), expected['test_batch.bin'].labels);
  assert.equal(train.data.sum().item(), files.reduce((s, f) => s + expected[f].sum, 0));
  // Record 1 of data_batch_2 is sample 3; its first image row, HWC, as numpy's transpose gives it.
  assert.deepEqual((train.data.select(0, 3).select(0, 0).flatten().tolist()), expected['data_batch_2.bin'].hwc_first_row[1]);
  const [img, label] = train.get(3);
  assert.deepEqual(img.shape, [32, 32, 3]);
  assert.equal(label, expected['data_batch_2.bin'].labels[1]);
  assert.equal(datasets.CIFAR10.classes[0], 'airplane');
});

test('CIFAR10 with torchvision\'s augmentation pipeline, per sample and batched', () => {
  // torchvision's order: spatial transforms on the HWC uint8 image, then ToTensor and Normalize.
  const ds = new datasets.CIFAR10({
    root: ROOT,
    transform: new transforms.Compose([
      new transforms.RandomCrop(32, { padding: 4 }), new transforms.RandomHorizontalFlip(), new transforms.ToTensor(),
      new transforms.Normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
    ]),
  });
  const [one] = ds.get(0);
  assert.deepEqual(one.shape, [3, 32, 32]);
  assert.equal(one.dtype, 'float32');
  const batch = ds.getBatch([0, 1, 2]) as Tensor[];
  assert.deepEqual(batch[0].shape, [3, 3, 32, 32]);
  for (const [x, y] of new DataLoader(ds, { batchSize: 4, shuffle: true })) {
    assert.deepEqual(x.shape.slice(1), [3, 32, 32]);
    assert.equal(y.dtype, 'int64');
  }
  // Without randomness the HWC and CHW routes agree: a crop with no padding of the whole image is the image.
  const plain = new datasets.CIFAR10({ root: ROOT, transform: new transforms.Compose([new transforms.CenterCrop(30), new transforms.ToTensor()]) });
  const direct = new transforms.CenterCrop(30).forward(new transforms.ToTensor().forward(plain.data.select(0, 5)));
  assert.ok((plain.get(5)[0] as Tensor).equal(direct));
  assert.ok(((plain.getBatch([5]) as Tensor[])[0].select(0, 0)).equal(direct));
});

test('a batch file whose size is not a multiple of 3073 is a DatasetFormatError naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-cifar-'));
  try {
    for (const f of readdirSync(BIN)) copyFileSync(join(BIN, f), join(dir, f));
    const bad = join(dir, 'data_batch_3.bin');
    writeFileSync(bad, Buffer.alloc(3073 * 2 + 5));
    assert.throws(() => new datasets.CIFAR10({ root: dir }), (e: unknown) => {
      assert.ok(e instanceof DatasetFormatError);
      assert.equal(e.file, bad);
      assert.match(e.message, /size 6151 bytes is not a positive multiple of 3073/);
      return true;
    });
    const label = Buffer.alloc(3073);
    label[0] = 12;
    writeFileSync(bad, label);
    assert.throws(() => new datasets.CIFAR10({ root: dir }), /record 0 has label 12/);
    rmSync(join(dir, 'data_batch_5.bin'));
    assert.throws(() => new datasets.CIFAR10({ root: dir }), (e: unknown) => e instanceof DatasetNotFoundError && /data_batch_5\.bin/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
