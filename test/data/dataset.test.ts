import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { ConcatDataset, Dataset, Generator, Subset, TensorDataset, randomSplit } from '../../src/data/index.js';

class Range extends Dataset<number> {
  constructor(private readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number) {
    if (i < 0 || i >= this.n) throw new RangeError('out of range');
    return i;
  }
}

test('TensorDataset returns rows, checks sizes, and gathers batches with indexSelect', () => {
  const x = torch.arange(12).reshape(4, 3);
  const y = torch.tensor([10, 11, 12, 13]);
  const ds = new TensorDataset(x, y);
  assert.equal(ds.length, 4);
  const [xi, yi] = ds.get(2);
  assert.deepEqual(xi.tolist(), [6, 7, 8]);
  assert.equal(yi.item(), 12);
  assert.deepEqual(ds.get(-1)[1].item(), 13);
  const [xb, yb] = ds.getBatch([3, 0, 3]);
  assert.deepEqual(xb.tolist(), [[9, 10, 11], [0, 1, 2], [9, 10, 11]]);
  assert.deepEqual(yb.tolist(), [13, 10, 13]);
  assert.throws(() => ds.get(4), RangeError);
  assert.throws(() => new TensorDataset(x, torch.zeros([3])), /Size mismatch/);
  assert.throws(() => new TensorDataset(), RangeError);
  assert.deepEqual([...new Range(3)], [0, 1, 2]);
});

test('Subset and ConcatDataset map indices', () => {
  const sub = new Subset(new Range(10), [7, 2, 5]);
  assert.equal(sub.length, 3);
  assert.deepEqual([...sub], [7, 2, 5]);
  assert.equal(sub.get(-1), 5);
  assert.equal(sub.getBatch([0]), undefined, 'no fast path when the base has none');
  const tds = new TensorDataset(torch.arange(5));
  const tsub = new Subset(tds, [4, 1]);
  assert.deepEqual((tsub.getBatch([1, 0]) as torch.Tensor[])[0].tolist(), [1, 4]);
  const cat = new ConcatDataset([new Range(2), new Range(3)]);
  assert.equal(cat.length, 5);
  assert.deepEqual([...cat], [0, 1, 0, 1, 2]);
});

test('randomSplit takes lengths or fractions, is reproducible, and partitions the dataset', () => {
  const ds = new Range(10);
  const [a, b] = randomSplit(ds, [7, 3], new Generator(42));
  assert.equal(a.length, 7);
  assert.equal(b.length, 3);
  assert.deepEqual([...a, ...b].sort((p, q) => p - q), [...Array(10).keys()]);
  const [a2] = randomSplit(ds, [7, 3], new Generator(42));
  assert.deepEqual([...a2], [...a]);
  // Fractions: floor, then the remainder round-robin from the first (PyTorch's rule): 10 * [0.33, 0.33, 0.34]
  const parts = randomSplit(ds, [0.33, 0.33, 0.34], new Generator(0));
  assert.deepEqual(parts.map((p) => p.length), [4, 3, 3]);
  // The default generator: reproducible after manualSeed.
  torch.manualSeed(5);
  const [c] = randomSplit(ds, [0.5, 0.5]);
  torch.manualSeed(5);
  const [d] = randomSplit(ds, [0.5, 0.5]);
  assert.deepEqual([...c], [...d]);
  assert.throws(() => randomSplit(ds, [5, 4]), /does not equal the length/);
  assert.throws(() => randomSplit(ds, [11, -1]), /non-negative/);
});

test('Generator is deterministic, uniform enough, and its state round-trips', () => {
  const g = new Generator(123);
  const first = Array.from({ length: 5 }, () => g.nextUint32());
  assert.deepEqual(Array.from({ length: 5 }, () => new Generator(123).nextUint32())[0], first[0]);
  const g2 = new Generator().manualSeed(123);
  assert.deepEqual(Array.from({ length: 5 }, () => g2.nextUint32()), first);
  assert.equal(g2.initialSeed(), 123);
  assert.notDeepEqual(new Generator(124).randperm(20), new Generator(123).randperm(20));
  const state = g.getState();
  const next = [g.random(), g.randint(7), g.random()];
  g.setState(state);
  assert.deepEqual([g.random(), g.randint(7), g.random()], next);
  const perm = new Generator(9).randperm(1000);
  assert.deepEqual([...perm].sort((p, q) => p - q), [...Array(1000).keys()]);
  const counts = new Array(4).fill(0);
  const h = new Generator(1);
  for (let i = 0; i < 40000; i++) counts[h.randint(4)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `randint(4) counts ${counts}`);
  for (let i = 0; i < 1000; i++) {
    const r = h.random();
    assert.ok(r >= 0 && r < 1);
  }
  assert.equal(new Generator(2n ** 70n + 5n).initialSeed(), 5, 'bigint seeds keep their low 64 bits');
  assert.throws(() => g.randint(0), RangeError);
});
