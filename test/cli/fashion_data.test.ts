import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { datasets } from '../../src/data/index.js';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD, loadFashionMnist } from '../../src/cli/fashion_data.js';
import { makeTinyFashionMnist, TINY_SIZE } from './tiny_fashion.js';

test('loadFashionMnist normalises once: (x / 255 - 0.2860) / 0.3530, as [N, 1, H, W] float32 with int64 labels', () => {
  const root = makeTinyFashionMnist(40, 20);
  try {
    const before = torch.memory().numTensors;
    const { train, test: testSplit, classes } = loadFashionMnist({ root, limit: 30 });
    assert.deepEqual(train.images.shape, [30, 1, TINY_SIZE, TINY_SIZE]);
    assert.deepEqual(testSplit.images.shape, [20, 1, TINY_SIZE, TINY_SIZE]);
    assert.equal(train.images.dtype, 'float32');
    assert.equal(train.labels.dtype, 'int64');
    assert.equal(classes[9], 'Ankle boot');
    const raw = new datasets.FashionMNIST({ root });
    const expected = torch.tidy(() => raw.data.narrow(0, 0, 30).float().div(255).sub(FASHION_MNIST_MEAN).div(FASHION_MNIST_STD));
    const got = train.images.dataSync() as Float32Array, want = expected.dataSync() as Float32Array;
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-6, `pixel ${i}`);
    assert.deepEqual(train.labels.tolist(), torch.tidy(() => raw.targets.narrow(0, 0, 30).tolist()));
    torch.dispose([train, testSplit, expected, raw.data, raw.targets]);
    assert.equal(torch.memory().numTensors, before);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const DEBIAN_ROOT = datasets.FASHION_MNIST_DEBIAN_ROOT;
const haveDebian = existsSync(DEBIAN_ROOT);
test(`the real Fashion-MNIST from ${DEBIAN_ROOT}${haveDebian ? '' : ' (skipped: not installed; apt-get install dataset-fashion-mnist)'}`,
  { skip: !haveDebian }, () => {
    const { train, test: testSplit } = loadFashionMnist({ limit: 1000, testLimit: 10 });
    assert.deepEqual(train.images.shape, [1000, 1, 28, 28]);
    assert.deepEqual(testSplit.images.shape, [10, 1, 28, 28]);
    // The constants are the training set's mean and std: normalised, the first 1000 images are near 0 and 1.
    const mean = train.images.mean().item(), std = train.images.std().item();
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 0.05, `std ${std}`);
    torch.dispose([train, testSplit]);
  });
