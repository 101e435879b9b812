/** The shared shape of the text classification datasets: raw texts with integer labels. */
import { Dataset, resolveIndex } from '../dataset.js';
import { applyTransform, type TransformLike } from '../transforms/transform.js';

/** The options every text dataset takes. */
export interface TextDatasetOptions<X, Y> {
  /** Applied to each text, e.g. `(s) => vocab.encode(tokenize(s))`; without one, samples hold the text. */
  transform?: TransformLike<string, X>;
  /** Applied to each label. */
  targetTransform?: (label: number) => Y;
}

/**
 * A dataset of `[text, label]` samples (or `[transform(text), targetTransform(label)]`). `text(i)` and
 * `texts()` give the raw texts whatever the transform, e.g. to build a vocabulary from the training split.
 *
 * @example
 * class Lines extends TextClassificationDataset {
 *   constructor(private lines: string[]) { super(lines.map(() => 0), {}); }
 *   protected readText(i: number) { return this.lines[i]; }
 * }
 */
export abstract class TextClassificationDataset<X = string, Y = number> extends Dataset<[X, Y]> {
  /** The label of every sample, in order. */
  readonly targets: number[];
  readonly transform: TransformLike<string, X> | undefined;
  readonly targetTransform: ((label: number) => Y) | undefined;

  protected constructor(targets: number[], options: TextDatasetOptions<X, Y>) {
    super();
    this.targets = targets;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
  }

  get length(): number {
    return this.targets.length;
  }

  /** The raw text of sample `index` (no transform). */
  text(index: number): string {
    return this.readText(resolveIndex(index, this.length));
  }

  /** The text of sample i, with i already checked to be in [0, length). */
  protected abstract readText(i: number): string;

  /** The raw texts, in order. */
  *texts(): IterableIterator<string> {
    for (let i = 0; i < this.length; i++) yield this.readText(i);
  }

  /** [text, label], each through its transform when there is one. */
  get(index: number): [X, Y] {
    const i = resolveIndex(index, this.length);
    const text = this.readText(i);
    const label = this.targets[i];
    return [
      (this.transform ? applyTransform(this.transform, text) : text) as X,
      (this.targetTransform ? this.targetTransform(label) : label) as Y,
    ];
  }
}
