/** The shared part of datasets held in memory as one image tensor and one label tensor (MNIST, CIFAR-10). */
import type { Tensor } from '../../tensor.js';
import { fromValues } from '../../ops/creation.js';
import { keep, tidy } from '../../memory/scope.js';
import { Dataset, gatherRows, indexTensor, resolveIndex } from '../dataset.js';
import { applyTransform, canBatch, Transform, type TransformLike } from '../transforms/transform.js';

export interface ImageTransforms<X, Y> {
  /** Applied to each image (uint8, as stored in `data`). */
  transform?: TransformLike<Tensor, X>;
  /** Applied to each label (a number). */
  targetTransform?: (target: number) => Y;
}

/**
 * Images in `data` (uint8 [N, ...]) and labels in `targets` (int64 [N]). Batches are gathered with one
 * indexSelect and transformed at once when the transform has a batched form; otherwise sample by sample.
 */
export abstract class InMemoryImageDataset<X, Y> extends Dataset<[X, Y]> {
  /** All images, uint8 [N, ...] (kept alive with the dataset). */
  readonly data: Tensor;
  /** All labels, int64 [N]. */
  readonly targets: Tensor;
  readonly transform: TransformLike<Tensor, X> | undefined;
  readonly targetTransform: ((target: number) => Y) | undefined;
  private readonly labels: Uint8Array;

  protected constructor(data: Tensor, labels: Uint8Array, options: ImageTransforms<X, Y>) {
    super();
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    this.labels = labels;
    // Kept: a dataset outlives any tidy scope it is created in; the GC backstop frees them with it.
    this.data = keep(data);
    this.targets = keep(fromValues(labels, [labels.length], 'int64'));
  }

  get length(): number {
    return this.labels.length;
  }

  /** [image, label]: the image is a uint8 view of `data` unless a transform makes something else. */
  get(index: number): [X, Y] {
    const i = resolveIndex(index, this.length);
    const t = this.transform;
    const image = t ? tidy(() => applyTransform(t, this.data.select(0, i))) : this.data.select(0, i);
    const label = this.labels[i];
    return [image as X, (this.targetTransform ? this.targetTransform(label) : label) as Y];
  }

  /**
   * [images, labels int64] by one gather, the transform applied to the whole batch; undefined (the
   * per-sample path) when the transform has no batched form or a targetTransform is set.
   */
  override getBatch(indices: number[]): unknown {
    if (this.targetTransform || !canBatch(this.transform)) return undefined;
    const n = this.length;
    const idx = indexTensor(indices.map((i) => resolveIndex(i, n)));
    try {
      return tidy(() => {
        const images = gatherRows(this.data, idx);
        const x = this.transform ? (this.transform as Transform<Tensor, X>).forwardBatch(images) : images;
        return [x, this.targets.indexSelect(0, idx)];
      });
    } finally {
      idx.dispose();
    }
  }
}
