import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import {
  BatchSampler, DataLoader, Dataset, Generator, SequentialSampler, SubsetRandomSampler, TensorDataset, defaultCollate,
} from '../../src/data/index.js';

class Pairs extends Dataset<[Tensor, number]> {
  gets = 0;
  constructor(private readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number): [Tensor, number] {
    this.gets++;
    return [torch.full([2], i, { dtype: 'float32' }), i % 3];
  }
}

const order = (loader: Iterable<Tensor[]>): number[] => {
  const out: number[] = [];
  for (const batch of loader) out.push(...(batch[batch.length - 1].tolist() as number[]));
  return out;
};

test('batches in order, with length and dropLast', () => {
  const ds = new TensorDataset(torch.arange(10).float().unsqueeze(1), torch.arange(10));
  const loader = new DataLoader(ds, { batchSize: 4 });
  assert.equal(loader.length, 3);
  const shapes: number[][] = [];
  for (const [x, y] of loader) {
    shapes.push(x.shape);
    assert.equal(y.dtype, 'int64');
  }
  assert.deepEqual(shapes, [[4, 1], [4, 1], [2, 1]]);
  assert.deepEqual(order(loader), [...Array(10).keys()]);
  const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dropping.length, 2);
  assert.deepEqual(order(dropping), [...Array(8).keys()]);
  assert.equal(new DataLoader(ds).length, 10, 'batchSize defaults to 1');
});

test('shuffling is reproducible after manualSeed or with a seeded generator, and differs across epochs', () => {
  const ds = new TensorDataset(torch.arange(50));
  const loader = new DataLoader(ds, { batchSize: 8, shuffle: true });
  torch.manualSeed(0);
  const e1 = order(loader), e2 = order(loader);
  torch.manualSeed(0);
  assert.deepEqual(order(loader), e1);
  assert.deepEqual(order(loader), e2);
  assert.notDeepEqual(e1, e2, 'a new order every epoch');
  assert.deepEqual([...e1].sort((a, b) => a - b), [...Array(50).keys()]);
  const seeded = (seed: number) => new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Generator(seed) });
  const a = seeded(7);
  const b = seeded(7);
  assert.deepEqual(order(a), order(b));
  assert.deepEqual(order(a), order(b), 'the generator advances identically across epochs');
  assert.notDeepEqual(order(seeded(7)), order(seeded(8)));
});

test('default collate: tensors are stacked, integer labels become int64, floats the default dtype', () => {
  const loader = new DataLoader(new Pairs(5), { batchSize: 2 });
  const [x, y] = loader[Symbol.iterator]().next().value as [Tensor, Tensor];
  assert.deepEqual(x.shape, [2, 2]);
  assert.deepEqual(x.tolist(), [[0, 0], [1, 1]]);
  assert.equal(y.dtype, 'int64');
  assert.deepEqual(y.tolist(), [0, 1]);

  const nested = defaultCollate([
    { img: torch.zeros([3]), meta: { w: 0.5, name: 'a', ok: true }, pair: [1, 2n] },
    { img: torch.ones([3]), meta: { w: 1.5, name: 'b', ok: false }, pair: [3, 4n] },
  ]);
  assert.deepEqual(nested.img.shape, [2, 3]);
  assert.equal(nested.meta.w.dtype, 'float32');
  assert.deepEqual(nested.meta.w.tolist(), [0.5, 1.5]);
  assert.deepEqual(nested.meta.name, ['a', 'b']);
  assert.equal(nested.meta.ok.dtype, 'bool');
  assert.equal(nested.pair[0].dtype, 'int64');
  assert.deepEqual(nested.pair[1].tolist(), [2, 4]);
  const fromArrays = defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
  assert.deepEqual(fromArrays.tolist(), [[1, 2], [3, 4]]);
  const mapped = defaultCollate([new Map([['a', 1]]), new Map([['a', 2]])]);
  assert.deepEqual(mapped.get('a')!.tolist(), [1, 2]);
  assert.throws(() => defaultCollate([torch.zeros([2]), torch.zeros([3])]), /equal size/);
  assert.throws(() => defaultCollate([[1, 2], [1]]), /equal size/);
  assert.throws(() => defaultCollate([1, 'a']), /sample 1 is a string/);
});

test('custom collateFn, sampler and batchSampler', () => {
  const ds = new Pairs(6);
  const sums = new DataLoader(ds, { batchSize: 3, collateFn: (s) => s.map(([, y]) => y).reduce((a, b) => a + b, 0) });
  assert.deepEqual([...sums], [0 + 1 + 2, 0 + 1 + 2]);
  const sampled = new DataLoader(ds, { batchSize: 2, sampler: new SubsetRandomSampler([5, 4], new Generator(1)) });
  assert.equal(sampled.length, 1);
  for (const [x] of sampled) assert.deepEqual((x.tolist() as number[][]).map((r) => r[0]).sort(), [4, 5]);
  const batches = new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), 4, false), autoDispose: false });
  assert.deepEqual([...batches].map(([b]) => b.shape[0]), [4, 2]);
  assert.throws(() => new DataLoader(ds, { sampler: new SequentialSampler(ds), shuffle: true }), /mutually exclusive/);
  assert.throws(() => new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), 4, false), batchSize: 2 }), /mutually exclusive/);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /positive integer/);
});

test('the fast path (getBatch) gives the same batches as get + collate', () => {
  const x = torch.randn([20, 3, 4]);
  const y = torch.randint(0, 5, [20]);
  const ds = new TensorDataset(x, y);
  const fast = new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new Generator(3) });
  const slow = new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new Generator(3), collateFn: (s) => defaultCollate(s) });
  const a: unknown[] = [], b: unknown[] = [];
  for (const [xb, yb] of fast) a.push([xb.tolist(), yb.tolist(), xb.dtype, yb.dtype]);
  for (const [xb, yb] of slow) b.push([xb.tolist(), yb.tolist(), xb.dtype, yb.dtype]);
  assert.equal(a.length, 4);
  assert.deepEqual(a, b);
});

test('batches are disposed when the loader moves on (autoDispose), kept ones survive, memory stays flat', () => {
  const ds = new TensorDataset(torch.randn([64, 5]), torch.randint(0, 3, [64]));
  const w = torch.randn([5, 3], { requiresGrad: true });
  const loader = new DataLoader(ds, { batchSize: 8, shuffle: true });
  const run = () => {
    for (const [x, y] of loader) {
      torch.tidy(() => {
        const loss = x.matmul(w).logSoftmax(1).gather(1, y.unsqueeze(1)).neg().mean();
        loss.backward();
        w.grad!.dispose();
        w.grad = null;
      });
    }
  };
  run();
  const before = torch.memory();
  for (let i = 0; i < 5; i++) run();
  const after = torch.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);

  const seen: Tensor[] = [];
  for (const [x] of loader) seen.push(x);
  assert.ok(seen.every((t) => t.isDisposed), 'every batch, the last included, is freed');
  const early: Tensor[] = [];
  for (const [x] of loader) {
    early.push(x);
    break;
  }
  assert.ok(early[0].isDisposed, 'break (iterator return) frees the current batch');
  let kept: Tensor | null = null;
  for (const [x] of loader) kept ??= torch.keep(x);
  assert.ok(kept && !kept.isDisposed, 'torch.keep() protects a batch');
  kept!.dispose();
  const owned = [...new DataLoader(ds, { batchSize: 32, autoDispose: false })];
  assert.ok(owned.every(([x, y]) => !x.isDisposed && !y.isDisposed), 'autoDispose: false hands batches to the caller');
  torch.dispose(owned);
});

test('loading frees the per-sample tensors it makes', () => {
  const ds = new Pairs(30);
  const loader = new DataLoader(ds, { batchSize: 7 });
  for (const batch of loader) void batch;
  const before = torch.memory().numTensors;
  for (const batch of loader) void batch;
  assert.equal(torch.memory().numTensors, before);
  assert.equal(ds.gets, 60);
});
