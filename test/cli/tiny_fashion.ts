/**
 * A tiny Fashion-MNIST look-alike written as IDX files into a temporary folder, so the trainer's tests run
 * everywhere (Debian's dataset package need not be installed) and fast: 12×12 images instead of 28×28
 * (SimpleCNN ends in adaptive pooling, so any size ≥ 4 works), each class a bright horizontal band at its
 * own height plus noise, so a few steps already learn something.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const TINY_SIZE = 12;

/** An IDX file: magic (2051 images / 2049 labels), big-endian uint32 dims, then the uint8 values. */
function idx(magic: number, dims: number[], values: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, values]);
}

/** Deterministic pseudo-random bytes (a linear congruential generator: tests must not depend on a seed). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

function split(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const next = lcg(seed);
  const px = TINY_SIZE * TINY_SIZE;
  const images = new Uint8Array(n * px), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = next() % 10;
    labels[i] = label;
    const row = 1 + label; // rows 1..10 of 12
    for (let p = 0; p < px; p++) images[i * px + p] = (next() >> 2) + (Math.floor(p / TINY_SIZE) === row ? 190 : 0);
  }
  return { images, labels };
}

/**
 * Writes train (gzipped, as Debian ships them) and t10k (raw) IDX files into a new temporary folder and
 * returns its path.
 *
 * @example
 * const root = makeTinyFashionMnist(320, 160);
 * await train({ data: root, limit: 256, epochs: 1, out });
 */
export function makeTinyFashionMnist(nTrain = 320, nTest = 160): string {
  const root = mkdtempSync(join(tmpdir(), 'antorcha-tiny-fmnist-'));
  const tr = split(nTrain, 1), te = split(nTest, 2);
  writeFileSync(join(root, 'train-images-idx3-ubyte.gz'), gzipSync(idx(2051, [nTrain, TINY_SIZE, TINY_SIZE], tr.images)));
  writeFileSync(join(root, 'train-labels-idx1-ubyte.gz'), gzipSync(idx(2049, [nTrain], tr.labels)));
  writeFileSync(join(root, 't10k-images-idx3-ubyte'), idx(2051, [nTest, TINY_SIZE, TINY_SIZE], te.images));
  writeFileSync(join(root, 't10k-labels-idx1-ubyte'), idx(2049, [nTest], te.labels));
  return root;
}
