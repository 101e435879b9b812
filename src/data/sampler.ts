/** Samplers: the order in which a DataLoader visits dataset indices (torch.utils.data.*Sampler). */
import { Generator } from './generator.js';

/**
 * An iterable of dataset indices with a known count.
 *
 * @example
 * const loader = new DataLoader(ds, { batchSize: 32, sampler: new SubsetRandomSampler([0, 5, 9]) });
 */
export interface Sampler extends Iterable<number> {
  readonly length: number;
}

/** 0, 1, ..., n-1. @example new SequentialSampler(ds) */
export class SequentialSampler implements Sampler {
  constructor(private readonly source: { readonly length: number }) {}
  get length(): number {
    return this.source.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.source.length; i++) yield i;
  }
}

export interface RandomSamplerOptions {
  /** Draw with replacement (default false). */
  replacement?: boolean;
  /** How many indices per pass (default: the dataset length). */
  numSamples?: number;
  /** Source of randomness; without one, each pass seeds a fresh generator from the default generator. */
  generator?: Generator;
}

/**
 * A random order of the dataset's indices, new at every pass (every epoch).
 *
 * @example
 * const sampler = new RandomSampler(ds, { generator: new Generator(0) });
 */
export class RandomSampler implements Sampler {
  private readonly replacement: boolean;
  private readonly numSamples: number | undefined;
  private readonly generator: Generator | undefined;

  constructor(private readonly source: { readonly length: number }, options: RandomSamplerOptions = {}) {
    this.replacement = options.replacement ?? false;
    this.numSamples = options.numSamples;
    this.generator = options.generator;
    if (this.numSamples !== undefined && (!Number.isInteger(this.numSamples) || this.numSamples <= 0)) {
      throw new RangeError(`numSamples should be a positive integer value, but got numSamples=${this.numSamples}`);
    }
  }

  get length(): number {
    return this.numSamples ?? this.source.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.source.length;
    const count = this.length;
    if (n === 0) return;
    // As PyTorch does: without a generator, every pass draws its seed from the default generator.
    const g = this.generator ?? Generator.fromDefault();
    if (this.replacement) {
      for (let i = 0; i < count; i++) yield g.randint(n);
      return;
    }
    for (let done = 0; done < count; done += n) {
      const perm = g.randperm(n);
      const take = Math.min(n, count - done);
      for (let i = 0; i < take; i++) yield perm[i];
    }
  }
}

/** The given indices, in a random order at every pass. @example new SubsetRandomSampler([0, 2, 4]) */
export class SubsetRandomSampler implements Sampler {
  constructor(private readonly indices: readonly number[], private readonly generator?: Generator) {}
  get length(): number {
    return this.indices.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    const perm = (this.generator ?? Generator.fromDefault()).randperm(this.indices.length);
    for (const i of perm) yield this.indices[i];
  }
}

/**
 * Groups a sampler's indices into lists of `batchSize` (torch.utils.data.BatchSampler).
 *
 * @example
 * [...new BatchSampler(new SequentialSampler(ds), 4, false)]; // [[0, 1, 2, 3], [4, 5, 6, 7], ...]
 */
export class BatchSampler implements Iterable<number[]> {
  constructor(readonly sampler: Sampler, readonly batchSize: number, readonly dropLast: boolean) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batchSize should be a positive integer value, but got batchSize=${batchSize}`);
    }
  }

  get length(): number {
    return this.dropLast ? Math.floor(this.sampler.length / this.batchSize) : Math.ceil(this.sampler.length / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
