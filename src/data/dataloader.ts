/**
 * DataLoader: iterates a dataset in (optionally shuffled) batches.
 *
 * NOTE: there is no background prefetch, by design. Kernels run synchronously on the JavaScript thread
 * (one OpenMP team, see docs/ARCHITECTURE.md), so a prefetching worker would need its own native memory
 * and thread team, and batches would have to cross threads by copy. For in-memory datasets a batch is one
 * indexSelect (tens of microseconds for MNIST-sized batches), so there is nothing worth overlapping; for
 * datasets that decode files per sample, the decoding is JavaScript and would compete for the same cores.
 */
import { Tensor } from '../tensor.js';
import { tidy } from '../memory/scope.js';
import type { Dataset } from './dataset.js';
import { defaultCollate, type Collated } from './collate.js';
import { Generator } from './generator.js';
import { BatchSampler, RandomSampler, SequentialSampler, type Sampler } from './sampler.js';

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Visit the samples in a new random order every epoch (default false). */
  shuffle?: boolean;
  /** Seeded generator for shuffling; without one, each epoch's order comes from antorcha's default generator. */
  generator?: Generator;
  /** Custom index order; excludes `shuffle`. */
  sampler?: Sampler;
  /** Custom batches of indices; excludes batchSize, shuffle, sampler and dropLast. */
  batchSampler?: Iterable<number[]> & { readonly length: number };
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Merges a list of samples into a batch (default: defaultCollate). */
  collateFn?: (samples: T[]) => B;
  /**
   * Dispose each batch's tensors when the loader produces the next batch or the loop ends (default true),
   * so `for (const [x, y] of loader) torch.tidy(() => step(x, y))` keeps native memory flat. To keep a
   * batch longer, `x.clone()` it or mark it with `torch.keep(x)`. With false, batches are plain tensors
   * that the caller disposes.
   */
  autoDispose?: boolean;
  /** Accepted for PyTorch compatibility and ignored: loading runs on the calling thread (see the note above). */
  numWorkers?: number;
}

/** Disposes the tensors of a batch (in arrays, Maps and plain objects), except those marked with keep(). */
function disposeBatch(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (value instanceof Tensor) {
    if (!value.kept) value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeBatch(v, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) disposeBatch(v, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) disposeBatch(v, depth + 1);
  }
}

/**
 * Iterates `dataset` in batches (torch.utils.data.DataLoader). Batches of tensor datasets are gathered with
 * one indexSelect per tensor (the dataset's `getBatch`); other datasets are read sample by sample and
 * merged by `collateFn`. Intermediate tensors made while loading are freed at once.
 *
 * Memory: wrap each training step in `torch.tidy` so what it creates is freed; the batch itself is freed
 * by the loader when it moves on (see `autoDispose`).
 *
 * @example
 * torch.manualSeed(0);
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) {
 *   torch.tidy(() => {
 *     const loss = lossFn(model.forward(xb), yb);
 *     opt.zeroGrad(); loss.backward(); opt.step();
 *   });
 * }
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Sampler | null;
  readonly batchSampler: Iterable<number[]> & { readonly length: number };
  readonly autoDispose: boolean;
  private readonly collateFn: ((samples: T[]) => B) | null;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    this.dataset = dataset;
    this.collateFn = options.collateFn ?? null;
    this.autoDispose = options.autoDispose ?? true;
    if (options.batchSampler) {
      if (options.batchSize !== undefined || options.shuffle || options.sampler || options.dropLast) {
        throw new TypeError('batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast');
      }
      this.batchSampler = options.batchSampler;
      this.batchSize = null;
      this.dropLast = false;
      this.sampler = null;
      return;
    }
    if (options.sampler && options.shuffle) throw new TypeError('sampler option is mutually exclusive with shuffle');
    this.batchSize = options.batchSize ?? 1;
    this.dropLast = options.dropLast ?? false;
    this.sampler = options.sampler
      ?? (options.shuffle ? new RandomSampler(dataset, { generator: options.generator }) : new SequentialSampler(dataset));
    this.batchSampler = new BatchSampler(this.sampler, this.batchSize, this.dropLast);
  }

  /** Number of batches per epoch. */
  get length(): number {
    return this.batchSampler.length;
  }

  /** Loads the batch for `indices`; tensors made on the way (samples, index tensors) are freed. */
  private fetch(indices: number[]): B {
    return tidy(() => {
      if (this.collateFn === null && this.dataset.getBatch) {
        const batch = this.dataset.getBatch(indices);
        if (batch !== undefined) return batch as B;
      }
      const samples = indices.map((i) => this.dataset.get(i));
      return this.collateFn ? this.collateFn(samples) : (defaultCollate(samples) as B);
    });
  }

  *[Symbol.iterator](): Iterator<B> {
    let previous: B | undefined;
    try {
      for (const indices of this.batchSampler) {
        if (this.autoDispose) disposeBatch(previous);
        previous = undefined;
        previous = this.fetch(indices);
        yield previous;
      }
    } finally {
      // Runs on normal completion and on `break` (for-of calls return()), so the last batch is freed too.
      if (this.autoDispose) disposeBatch(previous);
    }
  }
}
