/**
 * Where the datasets can be downloaded from, with the checksums their publishers give (MD5 is what
 * MNIST, Fashion-MNIST and CIFAR-10 publish; torchvision checks the same values). Nothing here downloads
 * anything: datasets use it only when constructed with `download: true`.
 */
import type { Checksum } from './download.js';

export interface Resource extends Checksum {
  filename: string;
  /** Mirrors, tried in order. */
  urls: string[];
}

function mirrored(bases: string[], filename: string, checksum: Checksum): Resource {
  return { filename, urls: bases.map((b) => b + filename), ...checksum };
}

const MNIST_MIRRORS = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'];
const FASHION_MIRRORS = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'];

export const MNIST_RESOURCES: Resource[] = [
  mirrored(MNIST_MIRRORS, 'train-images-idx3-ubyte.gz', { md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' }),
  mirrored(MNIST_MIRRORS, 'train-labels-idx1-ubyte.gz', { md5: 'd53e105ee54ea40749a09fcbcd1e9432' }),
  mirrored(MNIST_MIRRORS, 't10k-images-idx3-ubyte.gz', { md5: '9fb629c4189551a2d022fa330f9573f3' }),
  mirrored(MNIST_MIRRORS, 't10k-labels-idx1-ubyte.gz', { md5: 'ec29112dd5afa0611ce80d1b7f02629c' }),
];

export const FASHION_MNIST_RESOURCES: Resource[] = [
  mirrored(FASHION_MIRRORS, 'train-images-idx3-ubyte.gz', { md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' }),
  mirrored(FASHION_MIRRORS, 'train-labels-idx1-ubyte.gz', { md5: '25c81989df183df01b3e8a0aad5dffbe' }),
  mirrored(FASHION_MIRRORS, 't10k-images-idx3-ubyte.gz', { md5: 'bef4ecab320f06d8554ea6380940ec79' }),
  mirrored(FASHION_MIRRORS, 't10k-labels-idx1-ubyte.gz', { md5: 'bb300cfdad3c16e7a12a480ee83cd310' }),
];

/** The binary version of CIFAR-10 (fixed-size records, no pickle). */
export const CIFAR10_RESOURCE: Resource = {
  filename: 'cifar-10-binary.tar.gz',
  urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
};
