import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { DataLoader, Dataset, text } from '../../src/data/index.js';

const { padOrTruncate, textCollate } = text;

test('padOrTruncate pads at the end or keeps the first tokens', () => {
  const ids = [5, 6, 7];
  assert.deepEqual(padOrTruncate(ids, 5, 0), [5, 6, 7, 0, 0]);
  assert.deepEqual(padOrTruncate(ids, 2, 0), [5, 6]);
  assert.deepEqual(padOrTruncate(ids, 3, 0), [5, 6, 7]);
  assert.deepEqual(padOrTruncate([], 3, 1), [1, 1, 1]);
  assert.deepEqual(padOrTruncate(ids, 0, 0), []);
  assert.deepEqual(padOrTruncate(Int32Array.of(9, 8), 3, 0), [9, 8, 0]);
  assert.deepEqual(ids, [5, 6, 7]);
  assert.throws(() => padOrTruncate(ids, -1, 0), RangeError);
  assert.throws(() => padOrTruncate(ids, 2.5, 0), RangeError);
});

const samples: [number[], number][] = [[[5, 6, 7], 1], [[8], 0], [[9, 10, 11, 12, 13], 1]];

test('textCollate pads to the longest sequence of the batch, cut to maxLength', () => {
  const [tokens, labels, lengths] = textCollate({ maxLength: 4, padIndex: 0 })(samples);
  assert.equal(tokens.dtype, 'int64');
  assert.deepEqual(tokens.shape, [3, 4]);
  assert.deepEqual(tokens.tolist(), [[5, 6, 7, 0], [8, 0, 0, 0], [9, 10, 11, 12]]);
  assert.equal(labels.dtype, 'int64');
  assert.deepEqual(labels.shape, [3]);
  assert.deepEqual(labels.tolist(), [1, 0, 1]);
  assert.equal(lengths.dtype, 'int64');
  assert.deepEqual(lengths.tolist(), [3, 1, 4]);

  // L is the longest in the batch when that is below maxLength, and with no maxLength at all.
  const [short] = textCollate({ maxLength: 10, padIndex: 1 })(samples.slice(0, 2));
  assert.deepEqual(short.tolist(), [[5, 6, 7], [8, 1, 1]]);
  const [all] = textCollate({ padIndex: 0 })(samples);
  assert.deepEqual(all.shape, [3, 5]);
});

test('textCollate sequence-first layout, float labels and empty sequences', () => {
  const [tokens, labels, lengths] = textCollate({ maxLength: 4, padIndex: 0, batchFirst: false, labelDtype: 'float32' })(samples);
  assert.deepEqual(tokens.shape, [4, 3]);
  assert.ok(tokens.isContiguous());
  assert.deepEqual(tokens.tolist(), [[5, 8, 9], [6, 0, 10], [7, 0, 11], [0, 0, 12]]);
  assert.equal(labels.dtype, 'float32');
  assert.deepEqual(labels.shape, [3, 1]);
  assert.deepEqual(labels.tolist(), [[1], [0], [1]]);
  assert.deepEqual(lengths.tolist(), [3, 1, 4]);

  const [empty, , emptyLengths] = textCollate({ padIndex: 0 })([[[], 0], [[], 1]]);
  assert.deepEqual(empty.shape, [2, 0]);
  assert.deepEqual(emptyLengths.tolist(), [0, 0]);
  const [mixed, , mixedLengths] = textCollate({ padIndex: 3 })([[[], 0], [Int32Array.of(4, 2), 1]]);
  assert.deepEqual(mixed.tolist(), [[3, 3], [4, 2]]);
  assert.deepEqual(mixedLengths.tolist(), [0, 2]);
});

test('textCollate checks its options and samples', () => {
  assert.throws(() => textCollate({ maxLength: 0, padIndex: 0 }), RangeError);
  assert.throws(() => textCollate({ padIndex: -1 }), RangeError);
  assert.throws(() => textCollate({ padIndex: 0, labelDtype: 'int32' as 'int64' }), TypeError);
  const collate = textCollate({ padIndex: 0 });
  assert.throws(() => collate([]), /empty batch/);
  assert.throws(() => collate([[[1], 0.5]]), /label of sample 0 is 0.5, not an integer class index/);
  assert.throws(() => collate([[[1], 0], [[1, -2], 1]]), /token 1 of sample 1 is -2/);
  assert.throws(() => collate([[[1, 2.5], 0]]), RangeError);
  assert.throws(() => collate([['abc' as unknown as number[], 0]]), TypeError);
  assert.deepEqual(textCollate({ padIndex: 0, labelDtype: 'float32' })([[[1], 0.25]])[1].tolist(), [[0.25]]);
});

class Encoded extends Dataset<[number[], number]> {
  get length() {
    return 5;
  }
  get(i: number): [number[], number] {
    return [Array.from({ length: i + 1 }, (_, k) => k + 2), i % 2];
  }
}

test('textCollate feeds a DataLoader', () => {
  const loader = new DataLoader(new Encoded(), { batchSize: 2, collateFn: textCollate({ maxLength: 4, padIndex: 0 }) });
  const shapes: number[][] = [];
  torch.tidy(() => {
    for (const [tokens, labels, lengths] of loader) {
      shapes.push([...tokens.shape]);
      assert.equal(labels.shape[0], tokens.shape[0]);
      assert.deepEqual(lengths.shape, [tokens.shape[0]]);
    }
  });
  assert.deepEqual(shapes, [[2, 2], [2, 4], [1, 4]]);
});
