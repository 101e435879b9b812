import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DatasetNotFoundError, text } from '../../src/data/index.js';

/** A tiny aclImdb tree: files written out of order, a non-review file and the unlabelled folder. */
function makeFixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'antorcha-imdb-'));
  const files: Record<string, string> = {
    'train/pos/10_9.txt': 'A wonderful film.<br /><br />Loved it!',
    'train/pos/0_10.txt': 'Best movie ever',
    'train/pos/2_7.txt': 'Pretty good',
    'train/neg/5_1.txt': 'Terrible. Just terrible.',
    'train/neg/1_3.txt': 'Boring, too long',
    'train/neg/README': 'not a review',
    'train/unsup/0_0.txt': 'no label here',
    'test/pos/0_8.txt': 'Great acting',
    'test/neg/0_2.txt': 'Awful plot',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

test('ImdbFolder reads neg (0) then pos (1) reviews in sorted file order', () => {
  const root = makeFixture();
  try {
    const train = new text.ImdbFolder(root);
    assert.equal(train.split, 'train');
    assert.deepEqual(train.classes, ['neg', 'pos']);
    assert.deepEqual(train.files.map((f) => relative(root, f).split('\\').join('/')), [
      'train/neg/1_3.txt', 'train/neg/5_1.txt', 'train/pos/0_10.txt', 'train/pos/10_9.txt', 'train/pos/2_7.txt',
    ]);
    assert.deepEqual(train.targets, [0, 0, 1, 1, 1]);
    assert.equal(train.length, 5);
    assert.deepEqual(train.get(0), ['Boring, too long', 0]);
    assert.deepEqual(train.get(-2), ['A wonderful film.<br /><br />Loved it!', 1]);
    assert.deepEqual([...train.texts()][2], 'Best movie ever');
    assert.throws(() => train.get(5), RangeError);

    const testPart = new text.ImdbFolder(root, { train: false });
    assert.deepEqual([...testPart], [['Awful plot', 0], ['Great acting', 1]]);

    const vocab = text.Vocab.build(Array.from(train.texts(), text.tokenize));
    const encoded = new text.ImdbFolder(root, { transform: (s) => vocab.encode(text.tokenize(s)), targetTransform: (y) => y === 1 });
    const [ids, positive] = encoded.get(3);
    assert.deepEqual(vocab.decode(ids), ['a', 'wonderful', 'film', '.', 'loved', 'it', '!']);
    assert.equal(positive, true);
    assert.equal(encoded.text(3), 'A wonderful film.<br /><br />Loved it!');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ImdbFolder names the missing folder', () => {
  const root = makeFixture();
  try {
    rmSync(join(root, 'test', 'pos'), { recursive: true });
    assert.throws(() => new text.ImdbFolder(root, { train: false }), (e: unknown) => {
      assert.ok(e instanceof DatasetNotFoundError, String(e));
      assert.deepEqual(e.searched, [join(root, 'test', 'pos')]);
      assert.ok(e.message.includes(join(root, 'test', 'pos')), e.message);
      return true;
    });
    assert.throws(() => new text.ImdbFolder(join(root, 'nowhere')), DatasetNotFoundError);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
