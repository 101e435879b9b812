/**
 * Fashion-MNIST as two pairs of tensors, normalised once: x / 255, then (x − 0.2860) / 0.3530 (the mean and
 * standard deviation of the training pixels). Doing it once on the whole [N, 1, 28, 28] tensor costs a few
 * milliseconds; a per-sample ToTensor + Normalize would redo it for every image of every epoch.
 */
import * as torch from '../index.js';
import type { Tensor } from '../index.js';
import { datasets } from '../data/index.js';

/** Mean and standard deviation of Fashion-MNIST's training pixels (after / 255). */
export const FASHION_MNIST_MEAN = 0.2860;
export const FASHION_MNIST_STD = 0.3530;

/** One split: normalised images [N, 1, 28, 28] float32 and labels [N] int64, owned by the caller. */
export interface Split {
  images: Tensor;
  labels: Tensor;
}

export interface FashionMnistTensors {
  train: Split;
  test: Split;
  classes: readonly string[];
}

export interface LoadOptions {
  /** Folder with the IDX files (default: Debian's /usr/share/datasets/fashion-mnist). */
  root?: string;
  /** Use only the first `limit` training images. */
  limit?: number;
  /** Use only the first `testLimit` test images. */
  testLimit?: number;
}

/** The first `limit` images of a split, normalised; the full uint8 copy is freed at once. */
function loadSplit(train: boolean, root: string | undefined, limit: number | undefined): Split {
  const ds = new datasets.FashionMNIST({ root, train });
  try {
    const n = Math.min(limit ?? ds.length, ds.length);
    return torch.tidy(() => ({
      images: ds.data.narrow(0, 0, n).float().div(255).sub(FASHION_MNIST_MEAN).div(FASHION_MNIST_STD).unsqueeze(1).contiguous(),
      labels: ds.targets.narrow(0, 0, n).clone(),
    }));
  } finally {
    ds.data.dispose();
    ds.targets.dispose();
  }
}

/**
 * Loads both splits of Fashion-MNIST as normalised tensors.
 *
 * @example
 * const { train, test } = loadFashionMnist({ limit: 1000 });
 * train.images.shape; // [1000, 1, 28, 28]
 */
export function loadFashionMnist(options: LoadOptions = {}): FashionMnistTensors {
  const train = loadSplit(true, options.root, options.limit);
  try {
    const test = loadSplit(false, options.root, options.testLimit);
    return { train, test, classes: datasets.FashionMNIST.classes };
  } catch (e) {
    torch.dispose(train);
    throw e;
  }
}
