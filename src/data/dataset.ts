/** Datasets: the abstract Dataset, in-memory TensorDataset, Subset, ConcatDataset and randomSplit. */
import type { Tensor } from '../tensor.js';
import { fromValues } from '../ops/creation.js';
import { formatShape } from '../layout.js';
import { tidy } from '../memory/scope.js';
import { Generator } from './generator.js';

/** Resolves a possibly negative index into [0, length); throws RangeError outside. */
export function resolveIndex(index: number, length: number, what = 'dataset'): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new RangeError(`index ${index} is out of range for ${what} of length ${length}`);
  }
  return index < 0 ? index + length : index;
}

/**
 * A map-style dataset (torch.utils.data.Dataset): `length` samples, read with `get(i)`.
 *
 * A dataset may also implement `getBatch(indices)`, returning the whole collated batch at once (PyTorch's
 * `__getitems__`): DataLoader then uses it instead of `get` + the default collate, which lets in-memory
 * datasets gather a batch with one indexSelect. Returning `undefined` means "not possible for this call".
 *
 * @example
 * class Squares extends Dataset<[number, number]> {
 *   get length() { return 10; }
 *   get(i: number): [number, number] { return [i, i * i]; }
 * }
 */
export abstract class Dataset<T> implements Iterable<T> {
  abstract get length(): number;
  abstract get(index: number): T;
  /** Optional fast path: the collated batch for `indices`, or undefined to fall back to `get`. */
  getBatch?(indices: number[]): unknown;

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}

/** An int64 index tensor; the caller disposes it. */
export function indexTensor(indices: readonly number[]): Tensor {
  return fromValues(indices, [indices.length], 'int64');
}

/**
 * Rows `idx` of t (t.indexSelect(0, idx)), gathered through a 2-D view when t is contiguous: the gather
 * kernel pays per dim for each element, so [N, 28, 28] gathers faster as [N, 784].
 */
export function gatherRows(t: Tensor, idx: Tensor): Tensor {
  if (t.ndim <= 2 || !t.isContiguous()) return t.indexSelect(0, idx);
  const rest = t.shape.slice(1);
  return tidy(() => t.view(t.shape[0], -1).indexSelect(0, idx).view(idx.numel(), ...rest));
}

/**
 * Samples are the i-th rows of each tensor (torch.utils.data.TensorDataset). Batches are gathered with one
 * indexSelect per tensor, so loading costs one native copy per batch whatever the batch size.
 *
 * @example
 * const ds = new TensorDataset(images, labels);
 * const [x, y] = ds.get(0);
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new RangeError('TensorDataset needs at least one tensor');
    const n = tensors[0].ndim > 0 ? tensors[0].shape[0] : -1;
    for (const t of tensors) {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new RangeError(`Size mismatch between tensors: TensorDataset needs equal first dims, got ${tensors.map((x) => formatShape(x.shape)).join(', ')}`);
      }
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    const i = resolveIndex(index, this.length);
    return this.tensors.map((t) => t.select(0, i));
  }

  override getBatch(indices: number[]): Tensor[] {
    const n = this.length;
    const idx = indexTensor(indices.map((i) => resolveIndex(i, n)));
    try {
      return this.tensors.map((t) => gatherRows(t, idx));
    } finally {
      idx.dispose();
    }
  }
}

/**
 * The samples of `dataset` at `indices` (torch.utils.data.Subset).
 *
 * @example
 * const firstHundred = new Subset(ds, Array.from({ length: 100 }, (_, i) => i));
 */
export class Subset<T> extends Dataset<T> {
  constructor(readonly dataset: Dataset<T>, readonly indices: readonly number[]) {
    super();
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[resolveIndex(index, this.indices.length, 'subset')]);
  }

  override getBatch(indices: number[]): unknown {
    if (!this.dataset.getBatch) return undefined;
    const n = this.indices.length;
    return this.dataset.getBatch(indices.map((i) => this.indices[resolveIndex(i, n, 'subset')]));
  }
}

/**
 * Several datasets one after another (torch.utils.data.ConcatDataset).
 *
 * @example
 * const both = new ConcatDataset([trainSet, extraSet]);
 */
export class ConcatDataset<T> extends Dataset<T> {
  private readonly ends: number[] = [];

  constructor(readonly datasets: Dataset<T>[]) {
    super();
    let total = 0;
    for (const d of datasets) this.ends.push((total += d.length));
  }

  get length(): number {
    return this.ends.length ? this.ends[this.ends.length - 1] : 0;
  }

  get(index: number): T {
    const i = resolveIndex(index, this.length);
    let d = 0;
    while (i >= this.ends[d]) d++;
    return this.datasets[d].get(i - (d > 0 ? this.ends[d - 1] : 0));
  }
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split). `lengths` are
 * sizes summing to the dataset length, or fractions summing to 1 (the remainder is spread round-robin,
 * as PyTorch does). Without a generator, the split is drawn from antorcha's default generator.
 *
 * @example
 * torch.manualSeed(0);
 * const [train, val] = randomSplit(ds, [0.8, 0.2]);
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], generator?: Generator): Subset<T>[] {
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes = lengths;
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    if (lengths.some((f) => f < 0 || f > 1)) throw new RangeError(`randomSplit: fractions must be in [0, 1], got ${lengths}`);
    sizes = lengths.map((f) => Math.floor(n * f));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length]++;
  }
  if (sizes.some((s) => !Number.isInteger(s) || s < 0)) throw new RangeError(`randomSplit: lengths must be non-negative integers, got ${lengths}`);
  if (sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new RangeError(`randomSplit: sum of input lengths (${sizes.reduce((a, b) => a + b, 0)}) does not equal the length of the input dataset (${n})`);
  }
  const perm = (generator ?? Generator.fromDefault()).randperm(n);
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const size of sizes) {
    out.push(new Subset(dataset, perm.slice(offset, offset + size)));
    offset += size;
  }
  return out;
}
