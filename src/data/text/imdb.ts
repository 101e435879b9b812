/** ImdbFolder: the Large Movie Review Dataset (aclImdb) as unpacked on disk. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetNotFoundError } from '../errors.js';
import { TextClassificationDataset, type TextDatasetOptions } from './base.js';

export interface ImdbFolderOptions<X, Y> extends TextDatasetOptions<X, Y> {
  /** The training split (`<root>/train`, default) or the test split (`<root>/test`). */
  train?: boolean;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The IMDB sentiment reviews in the layout of the aclImdb archive: `<root>/<split>/neg/*.txt` (label 0)
 * and `<root>/<split>/pos/*.txt` (label 1), split being `train` or `test` (25,000 reviews each). The
 * unlabelled `train/unsup` folder is not read. Files are listed in sorted name order (neg first), so
 * sample indices do not depend on the file system; each review is read when it is asked for. Reviews
 * contain `<br />` line breaks, which `tokenize` treats as spaces.
 *
 * @example
 * // tar xzf aclImdb_v1.tar.gz -C data   (https://ai.stanford.edu/~amaas/data/sentiment/)
 * const train = new ImdbFolder('data/aclImdb', { train: true });
 * const [review, label] = train.get(0); // label 0 = negative, 1 = positive
 */
export class ImdbFolder<X = string, Y = number> extends TextClassificationDataset<X, Y> {
  /** Label i is classes[i]. */
  readonly classes: string[];
  readonly root: string;
  readonly split: 'train' | 'test';
  /** The review files, in sample order. */
  readonly files: string[];

  constructor(root: string, options: ImdbFolderOptions<X, Y> = {}) {
    const split = (options.train ?? true) ? 'train' : 'test';
    const files: string[] = [];
    const targets: number[] = [];
    for (const [label, name] of ['neg', 'pos'].entries()) {
      const dir = join(root, split, name);
      if (!isDir(dir)) {
        throw new DatasetNotFoundError(`ImdbFolder: ${dir} is not a folder; unpack aclImdb_v1.tar.gz (https://ai.stanford.edu/~amaas/data/sentiment/) and pass the aclImdb folder as root`, [dir]);
      }
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
        files.push(join(dir, file));
        targets.push(label);
      }
    }
    super(targets, options);
    this.classes = ['neg', 'pos'];
    this.root = root;
    this.split = split;
    this.files = files;
  }

  protected readText(i: number): string {
    return readFileSync(this.files[i], 'utf8');
  }
}
