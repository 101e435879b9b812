import { test } from 'node:test';
import assert from 'node:assert/strict';
import { text } from '../../src/data/index.js';

const { Vocab } = text;
const corpus = [['a', 'b', 'b'], ['c', 'b', 'a'], ['d']];

test('Vocab.build puts specials first, then tokens by frequency, ties in first-appearance order', () => {
  const vocab = Vocab.build(corpus);
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'b', 'a', 'c', 'd']);
  assert.equal(vocab.length, 6);
  assert.equal(vocab.padIndex, 0);
  assert.equal(vocab.unkIndex, 1);
  // 'z' and 'y' are equally frequent: 'z' came first (torchtext would sort them alphabetically).
  assert.deepEqual(Vocab.build([['z', 'y'], ['y', 'z']]).tokens, ['<pad>', '<unk>', 'z', 'y']);
  // Specials met in the corpus are not counted twice.
  assert.deepEqual(Vocab.build([['<unk>', 'x', '<pad>']]).tokens, ['<pad>', '<unk>', 'x']);
  // Any iterable of iterables: a generator of token lists.
  const lines = function* () { yield ['a']; yield new Set(['a', 'b']); };
  assert.deepEqual(Vocab.build(lines()).tokens, ['<pad>', '<unk>', 'a', 'b']);
  assert.deepEqual(Vocab.build(corpus, { specials: ['<unk>', '<pad>', '<bos>'] }).tokens, ['<unk>', '<pad>', '<bos>', 'b', 'a', 'c', 'd']);
});

test('Vocab.build minFreq and maxSize', () => {
  assert.deepEqual(Vocab.build(corpus, { minFreq: 2 }).tokens, ['<pad>', '<unk>', 'b', 'a']);
  assert.deepEqual(Vocab.build(corpus, { minFreq: 3 }).tokens, ['<pad>', '<unk>', 'b']);
  assert.deepEqual(Vocab.build(corpus, { maxSize: 5 }).tokens, ['<pad>', '<unk>', 'b', 'a', 'c']);
  assert.deepEqual(Vocab.build(corpus, { maxSize: 2 }).tokens, ['<pad>', '<unk>']);
  assert.deepEqual(Vocab.build(corpus, { maxSize: 100 }).tokens, ['<pad>', '<unk>', 'b', 'a', 'c', 'd']);
  assert.throws(() => Vocab.build(corpus, { minFreq: 0 }), RangeError);
  assert.throws(() => Vocab.build(corpus, { minFreq: 1.5 }), RangeError);
  assert.throws(() => Vocab.build(corpus, { maxSize: 1 }), /at least the number of specials \(2\)/);
});

test('Vocab encodes unknown tokens as <unk> and decodes indices', () => {
  const vocab = Vocab.build(corpus, { minFreq: 2 });
  assert.deepEqual(vocab.encode(['b', 'c', 'a', 'never-seen']), [2, 1, 3, 1]);
  assert.deepEqual(vocab.decode([2, 3, 0, 1]), ['b', 'a', '<pad>', '<unk>']);
  assert.equal(vocab.stoi('a'), 3);
  assert.equal(vocab.stoi('zzz'), 1);
  assert.equal(vocab.itos(2), 'b');
  assert.equal(vocab.has('a'), true);
  assert.equal(vocab.has('c'), false);
  assert.throws(() => vocab.itos(4), /index 4 is out of range for a vocabulary of 4 tokens/);
  assert.throws(() => vocab.itos(-1), RangeError);
  assert.throws(() => vocab.decode([0, 1.5]), RangeError);
  // Without an unknown token, unknown tokens are an error; without a padding token, padIndex is.
  const closed = Vocab.build(corpus, { specials: [] });
  assert.throws(() => closed.encode(['b', 'q']), /"q" is not in the vocabulary, which has no unknown token "<unk>"/);
  assert.throws(() => closed.padIndex, /no padding token "<pad>"/);
  const custom = Vocab.build(corpus, { specials: ['[PAD]', '[UNK]'], padToken: '[PAD]', unkToken: '[UNK]' });
  assert.equal(custom.padIndex, 0);
  assert.deepEqual(custom.encode(['?']), [1]);
  assert.throws(() => new Vocab(['a', 'b', 'a']), /"a" appears twice \(indices 0 and 2\)/);
});

test('Vocab round-trips through JSON', () => {
  const vocab = Vocab.build([['x', 'y', 'y', 'é', '"quoted"']], { specials: ['<pad>', '<unk>', '<eos>'], unkToken: '<unk>' });
  const json = JSON.stringify(vocab);
  const back = Vocab.fromJSON(json);
  assert.deepEqual(back.tokens, vocab.tokens);
  assert.equal(back.padIndex, vocab.padIndex);
  assert.equal(back.unkIndex, vocab.unkIndex);
  assert.deepEqual(back.encode(['y', 'é', 'new']), vocab.encode(['y', 'é', 'new']));
  assert.deepEqual(Vocab.fromJSON(vocab.toJSON()).tokens, vocab.tokens);
  assert.deepEqual(JSON.parse(json), { format: 'antorcha.vocab', version: 1, tokens: vocab.tokens, padToken: '<pad>', unkToken: '<unk>' });
  assert.throws(() => Vocab.fromJSON('{"tokens": ["a"]}'), /not a vocabulary written by Vocab.toJSON/);
  assert.throws(() => Vocab.fromJSON('{"format": "antorcha.vocab", "version": 2, "tokens": []}'), /unsupported version 2/);
  assert.throws(() => Vocab.fromJSON('{"format": "antorcha.vocab", "version": 1, "tokens": ["a", 3], "padToken": "<pad>", "unkToken": "<unk>"}'), /token 1 is a number/);
  assert.throws(() => Vocab.fromJSON('null'), TypeError);
});
