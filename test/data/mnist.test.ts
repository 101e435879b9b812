import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { DataLoader, DatasetFormatError, DatasetNotFoundError, datasets, transforms } from '../../src/data/index.js';
import { fixturePath, loadFixture } from '../helpers.js';

const ROOT = fixturePath('data/mnist');
interface Expected {
  train_len: number; test_len: number; train_targets: number[]; test_targets: number[];
  train_data_sum: number; test_data_sum: number;
  train_2: { label: number; shape: number[]; values: number[] }; test_1: { label: number; shape: number[]; values: number[] };
}
const expected = loadFixture<Expected>('data/mnist/expected.json');
const normalize = () => new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);

function assertClose(t: Tensor, values: number[], atol = 1e-6): void {
  const got = t.dataSync() as Float32Array;
  assert.equal(got.length, values.length);
  for (let i = 0; i < values.length; i++) assert.ok(Math.abs(got[i] - values[i]) <= atol, `element ${i}: ${got[i]} vs ${values[i]}`);
}

/** A scratch folder with copies of the fixture files (raw and gunzipped), for layouts and damage. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-mnist-'));
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) copyFileSync(join(ROOT, name), join(dir, name));
  for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    writeFileSync(join(dir, name), gunzipSync(readFileSync(join(ROOT, name + '.gz'))));
  }
  return dir;
}

test('MNIST reads raw and gzipped IDX files as torchvision does', () => {
  const train = new datasets.MNIST({ root: ROOT, transform: normalize() });
  const testSet = new datasets.MNIST({ root: ROOT, train: false, transform: normalize() });
  assert.equal(train.length, expected.train_len);
  assert.equal(testSet.length, expected.test_len);
  assert.deepEqual(train.data.shape, [6, 28, 28]);
  assert.equal(train.data.dtype, 'uint8');
  assert.equal(train.targets.dtype, 'int64');
  assert.deepEqual(train.targets.tolist(), expected.train_targets);
  assert.deepEqual(testSet.targets.tolist(), expected.test_targets);
  assert.equal(train.data.sum().item(), expected.train_data_sum);
  assert.equal(testSet.data.sum().item(), expected.test_data_sum);
  const [x, y] = train.get(2);
  assert.equal(y, expected.train_2.label);
  assert.deepEqual(x.shape, expected.train_2.shape);
  assertClose(x, expected.train_2.values);
  const [xt, yt] = testSet.get(1);
  assert.equal(yt, expected.test_1.label);
  assertClose(xt, expected.test_1.values);
  const [raw] = new datasets.MNIST({ root: ROOT }).get(0);
  assert.deepEqual(raw.shape, [28, 28]);
  assert.equal(raw.dtype, 'uint8');
  assert.equal(datasets.MNIST.classes.length, 10);
});

test('the batched path of MNIST equals the per-sample path, and the loader yields [N, 1, 28, 28] float + int64', () => {
  const ds = new datasets.MNIST({ root: ROOT, transform: normalize() });
  const batch = ds.getBatch([2, 0, 5]) as Tensor[];
  assert.deepEqual(batch[0].shape, [3, 1, 28, 28]);
  assert.deepEqual(batch[1].tolist(), [expected.train_targets[2], expected.train_targets[0], expected.train_targets[5]]);
  assertClose(batch[0].select(0, 0), expected.train_2.values);
  const withTarget = new datasets.MNIST({ root: ROOT, transform: normalize(), targetTransform: (y) => y + 100 });
  assert.equal(withTarget.getBatch([0]), undefined, 'a targetTransform forces the per-sample path');
  assert.equal(withTarget.get(0)[1], expected.train_targets[0] + 100);
  torch.manualSeed(0);
  let seen = 0;
  for (const [x, y] of new DataLoader(ds, { batchSize: 4, shuffle: true })) {
    assert.equal(x.dtype, 'float32');
    assert.equal(y.dtype, 'int64');
    assert.deepEqual(x.shape.slice(1), [1, 28, 28]);
    seen += y.shape[0];
  }
  assert.equal(seen, 6);
  const perSample = new datasets.MNIST({ root: ROOT, transform: (img: Tensor) => img.float().div(255).unsqueeze(0) });
  assert.equal(perSample.getBatch([0]), undefined);
  for (const [x] of new DataLoader(perSample, { batchSize: 6 })) assert.deepEqual(x.shape, [6, 1, 28, 28]);
});

test('torchvision\'s <root>/MNIST/raw layout is found too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-mnist-'));
  try {
    mkdirSync(join(dir, 'MNIST', 'raw'), { recursive: true });
    for (const name of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(ROOT, name), join(dir, 'MNIST', 'raw', name));
    assert.equal(new datasets.MNIST({ root: dir, train: false }).length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged IDX files give DatasetFormatError naming the file and the problem', () => {
  const dir = scratch();
  try {
    const images = join(dir, 'train-images-idx3-ubyte');
    const labels = join(dir, 'train-labels-idx1-ubyte');
    const good = readFileSync(images);
    const expectError = (pattern: RegExp, file: string) => assert.throws(() => new datasets.MNIST({ root: dir }), (e: unknown) => {
      assert.ok(e instanceof DatasetFormatError, String(e));
      assert.equal(e.file, file);
      assert.match(e.message, pattern);
      assert.ok(e.message.startsWith(file));
      return true;
    });
    writeFileSync(images, good.subarray(0, good.length - 100));
    expectError(/truncated IDX file: uint8 \[6,28,28\] needs 4704 data bytes, file has 4604/, images);
    writeFileSync(images, good.subarray(0, 10));
    expectError(/truncated IDX header/, images);
    writeFileSync(images, readFileSync(labels));
    expectError(/wrong magic number: expected 2051 \(0x00000803: uint8, 3 dims\), got 2049 \(0x00000801: uint8, 1 dims\)/, images);
    writeFileSync(images, Buffer.concat([good, Buffer.from([1, 2, 3])]));
    expectError(/3 bytes after/, images);
    writeFileSync(images, good);
    writeFileSync(labels, Buffer.from([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5]));
    expectError(/5 labels for 6 images/, labels);
    writeFileSync(labels, Buffer.from([0, 0, 8, 1, 0, 0, 0, 6, 1, 2, 3, 4, 5, 10]));
    expectError(/label 10 at index 5 is not a class/, labels);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    expectError(/corrupt gzip data/, labels);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing files say where they were looked for and how to get them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-mnist-'));
  try {
    assert.throws(() => new datasets.MNIST({ root: dir }), (e: unknown) => {
      assert.ok(e instanceof DatasetNotFoundError);
      assert.match(e.message, /train-images-idx3-ubyte\(\.gz\) and train-labels-idx1-ubyte\(\.gz\) not found in/);
      assert.match(e.message, /download: true/);
      return true;
    });
    assert.throws(() => new datasets.FashionMNIST({ root: dir }), /apt-get install dataset-fashion-mnist/);
    assert.throws(() => new datasets.MNIST(), /pass \{ root \}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FashionMNIST reads Debian\'s dataset-fashion-mnist by default', { skip: !existsSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz') && 'dataset-fashion-mnist is not installed' }, () => {
  const ds = new datasets.FashionMNIST({ train: false });
  assert.equal(ds.length, 10000);
  assert.deepEqual(ds.data.shape, [10000, 28, 28]);
  assert.equal(ds.targets.dtype, 'int64');
  // Fashion-MNIST's test split has 1000 images of each class.
  const counts = new Array(10).fill(0);
  for (const y of ds.targets.tolist() as number[]) counts[y]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  assert.equal(datasets.FashionMNIST.classes[9], 'Ankle boot');
});
