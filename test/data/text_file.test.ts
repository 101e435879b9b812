import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as torch from '../../src/index.js';
import { DataLoader, DatasetFormatError, DatasetNotFoundError, text } from '../../src/data/index.js';

const { TextClassificationFile, parseCsv } = text;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-textfile-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that fn throws a DatasetFormatError naming `file` whose message matches `pattern`. */
function throwsFormat(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetFormatError, String(e));
    assert.equal(e.file, file);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('parseCsv: RFC 4180 quoting, line breaks and record start lines', () => {
  const csv = '\ufeffa,b,c\r\n"x, ""y""",,"multi\nline\r\ntext"\r\n\n5" screen,"",last\nonly';
  assert.deepEqual(parseCsv(csv, 'f.csv'), [
    { fields: ['a', 'b', 'c'], line: 1 },
    { fields: ['x, "y"', '', 'multi\nline\r\ntext'], line: 2 },
    { fields: ['5" screen', '', 'last'], line: 6 },
    { fields: ['only'], line: 7 },
  ]);
  assert.deepEqual(parseCsv('a,b,\n', 'f.csv'), [{ fields: ['a', 'b', ''], line: 1 }]);
  assert.deepEqual(parseCsv('a\tb\n"t\tu"\tv', 'f.tsv', '\t'), [{ fields: ['a', 'b'], line: 1 }, { fields: ['t\tu', 'v'], line: 2 }]);
  assert.deepEqual(parseCsv('', 'f.csv'), []);
  assert.deepEqual(parseCsv('""""\r"a"', 'f.csv'), [{ fields: ['"'], line: 1 }, { fields: ['a'], line: 2 }]);
  throwsFormat(() => parseCsv('a,b\n1,2\n"open,\n3\n4\n', 'f.csv'), 'f.csv', /line 3: unterminated quoted field \(field 1/);
  throwsFormat(() => parseCsv('a,b\n"x\ny"z,1\n', 'f.csv'), 'f.csv', /line 3: "z" after the closing quote of field 1/);
  assert.throws(() => parseCsv('a', 'f.csv', ';;'), RangeError);
});

test('TextClassificationFile reads CSV with class-name labels numbered in sorted order', () => withDir((dir) => {
  const path = join(dir, 'reviews.csv');
  writeFileSync(path, 'id,review,sentiment\r\n1,"Great, really ""great"" film",positive\r\n2,"Bad.\nVery bad.",negative\r\n3,meh,neutral\r\n4,Fine,positive\r\n');
  const ds = new TextClassificationFile(path, { textColumn: 'review', labelColumn: 'sentiment' });
  assert.equal(ds.format, 'csv');
  assert.deepEqual(ds.classes, ['negative', 'neutral', 'positive']);
  assert.deepEqual(ds.targets, [2, 0, 1, 2]);
  assert.deepEqual([...ds], [['Great, really "great" film', 2], ['Bad.\nVery bad.', 0], ['meh', 1], ['Fine', 2]]);

  // The test file reuses the training classes, even though it lacks "neutral".
  const testPath = join(dir, 'test.csv');
  writeFileSync(testPath, 'review,sentiment\nok,positive\nno,negative\n');
  const testSet = new TextClassificationFile(testPath, { textColumn: 'review', labelColumn: 'sentiment', classes: ds.classes! });
  assert.deepEqual(testSet.targets, [2, 0]);
  writeFileSync(testPath, 'review,sentiment\nok,positive\nhm,mixed\n');
  throwsFormat(() => new TextClassificationFile(testPath, { textColumn: 'review', labelColumn: 'sentiment', classes: ds.classes! }), testPath, /line 3: label "mixed" is not one of the classes/);
}));

test('TextClassificationFile: numeric labels, TSV, gzip, forced format', () => withDir((dir) => {
  const csv = join(dir, 'a.csv');
  writeFileSync(csv, 'text,label\nhello,1\nworld, 0\nbye,2.5\n');
  const ds = new TextClassificationFile(csv);
  assert.equal(ds.classes, null);
  assert.deepEqual(ds.targets, [1, 0, 2.5]);
  const tsv = join(dir, 'b.tsv');
  writeFileSync(tsv, 'label\ttext\nspam\tbuy, now\nham\thi\n');
  const t = new TextClassificationFile(tsv);
  assert.deepEqual([...t], [['buy, now', 1], ['hi', 0]]);
  const gz = join(dir, 'c.csv.gz');
  writeFileSync(gz, gzipSync('text,label\nzipped,1\n'));
  assert.deepEqual([...new TextClassificationFile(gz)], [['zipped', 1]]);
  const txt = join(dir, 'd.txt');
  writeFileSync(txt, '{"text": "json", "label": 0}\n');
  assert.throws(() => new TextClassificationFile(txt), /pass \{ format: 'csv' \} or \{ format: 'jsonl' \}/);
  assert.deepEqual([...new TextClassificationFile(txt, { format: 'jsonl' })], [['json', 0]]);
  assert.throws(() => new TextClassificationFile(join(dir, 'missing.csv')), DatasetNotFoundError);
  const headerOnly = join(dir, 'e.csv');
  writeFileSync(headerOnly, 'text,label\n');
  assert.equal(new TextClassificationFile(headerOnly).length, 0);
}));

test('TextClassificationFile reads JSON Lines', () => withDir((dir) => {
  const path = join(dir, 'data.jsonl');
  writeFileSync(path, '\ufeff{"text": "good", "label": "pos", "extra": [1]}\r\n\n{"text": "bad\\nworse", "label": "neg"}\n   \n{"label": "pos", "text": "ok"}\n');
  const ds = new TextClassificationFile(path);
  assert.equal(ds.format, 'jsonl');
  assert.deepEqual(ds.classes, ['neg', 'pos']);
  assert.deepEqual([...ds], [['good', 1], ['bad\nworse', 0], ['ok', 1]]);
  const nums = join(dir, 'nums.ndjson');
  writeFileSync(nums, '{"body": "a", "y": 3}\n{"body": "b", "y": 0}\n');
  const n = new TextClassificationFile(nums, { textColumn: 'body', labelColumn: 'y' });
  assert.equal(n.classes, null);
  assert.deepEqual(n.targets, [3, 0]);
}));

test('TextClassificationFile: malformed input names the file and the line', () => withDir((dir) => {
  const csv = join(dir, 'bad.csv');
  const check = (content: string, pattern: RegExp, options = {}): void => {
    writeFileSync(csv, content);
    throwsFormat(() => new TextClassificationFile(csv, options), csv, pattern);
  };
  check('text,label\n"fine",1\n"never closed,0\nmore,1\n', /line 3: unterminated quoted field/);
  check('review,label\na,1\n', /line 1: no column "text" in the header \(columns: "review", "label"\)/);
  check('text,label\na,1\nb\nc,0\n', /line 3: 1 field where the header has 2/);
  check('text,label\n"a\nb",1\nc,0,extra\n', /line 4: 3 fields where the header has 2/);
  check('text,label\na,1\nb,\n', /line 3: empty label/);
  check('', /empty file/);
  const jsonl = join(dir, 'bad.jsonl');
  const checkJsonl = (content: string, pattern: RegExp): void => {
    writeFileSync(jsonl, content);
    throwsFormat(() => new TextClassificationFile(jsonl), jsonl, pattern);
  };
  checkJsonl('{"text": "a", "label": 1}\n\n{"text": "b", "label": 0,}\n', /line 3: not valid JSON/);
  checkJsonl('{"text": "a", "label": 1}\n[1, 2]\n', /line 2: expected a JSON object, got an array/);
  checkJsonl('{"text": "a", "label": 1}\n{"text": "b"}\n', /line 2: no "label" field/);
  checkJsonl('{"text": 5, "label": 1}\n', /line 1: the "text" field is a number, not a string/);
  checkJsonl('{"text": "a", "label": true}\n', /line 1: the "label" field is true, not a number or a class name/);
  checkJsonl('{"text": "a", "label": 1}\n{"text": "b", "label": "pos"}\n', /line 2: the label is a string but on line 1 it is a number/);
}));

test('TextClassificationFile with a vocabulary feeds a DataLoader', () => withDir((dir) => {
  const path = join(dir, 'train.csv');
  const rows = ['text,label', '"Free money!!! Click now",spam', 'Lunch at noon?,ham', '"Win a prize, free",spam', 'See you tomorrow.,ham', 'ok,ham'];
  writeFileSync(path, rows.join('\n') + '\n');
  const raw = new TextClassificationFile(path);
  const vocab = text.Vocab.build(Array.from(raw.texts(), text.tokenize), { minFreq: 2 });
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', '!', 'free']); // '!' is seen 3 times, 'free' twice
  const ds = new TextClassificationFile(path, { transform: (s) => vocab.encode(text.tokenize(s)) });
  assert.deepEqual(ds.get(0), [[3, 1, 2, 2, 2, 1, 1], 1]);
  const loader = new DataLoader(ds, { batchSize: 3, collateFn: text.textCollate({ maxLength: 5, padIndex: vocab.padIndex }) });
  const seen: [number[], number[], number[]][] = [];
  torch.tidy(() => {
    for (const [tokens, labels, lengths] of loader) seen.push([[...tokens.shape], labels.tolist() as number[], lengths.tolist() as number[]]);
  });
  assert.deepEqual(seen, [[[3, 5], [1, 0, 1], [5, 4, 5]], [[2, 4], [0, 0], [4, 1]]]);
}));
