/**
 * Variable-length batches for the recurrent layers, as torch.nn.utils.rnn: a PackedSequence holds only the
 * real time steps of every sequence, time-major, longest sequence first, so an RNN never runs over padding
 * and its final states are those of each sequence's last real step.
 */
import type { Tensor } from '../../tensor.js';
import { formatShape } from '../../layout.js';
import { fromValues, full } from '../../ops/creation.js';
import { cat, indexSelect } from '../../ops/indexing.js';
import { reshape } from '../../ops/views.js';

/**
 * Sequences packed time step by time step: `data` [sum of lengths, *] holds step 0 of every sequence, then
 * step 1 of those that are still running, and so on; `batchSizes[t]` says how many run at step t. Sequences
 * are ordered longest first; `sortedIndices` maps that order to the caller's batch order (null when the
 * batch was already sorted) and `unsortedIndices` maps it back.
 *
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(padded, [5, 3, 2]);
 * const [out, [hn, cn]] = lstm.forward(packed);
 */
export class PackedSequence {
  /** batchSizes as numbers, read once (the layers consult it for every segment). */
  readonly steps: readonly number[];

  constructor(
    readonly data: Tensor,
    readonly batchSizes: Tensor,
    readonly sortedIndices: Tensor | null = null,
    readonly unsortedIndices: Tensor | null = null,
  ) {
    if (batchSizes.ndim !== 1 || batchSizes.dtype !== 'int64') {
      throw new TypeError(`PackedSequence: batch_sizes must be a 1-D int64 tensor, got ${batchSizes.dtype} ${formatShape(batchSizes.shape)}`);
    }
    this.steps = Array.from(batchSizes.dataSync() as BigInt64Array, Number);
    const rows = this.steps.reduce((a, b) => a + b, 0);
    if (data.ndim < 1 || data.shape[0] !== rows) {
      throw new RangeError(`PackedSequence: data has ${data.shape[0]} rows but batch_sizes sum to ${rows}`);
    }
  }

  /** The same packing around other data (the output of a layer, say). */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.batchSizes, this.sortedIndices, this.unsortedIndices);
  }
}

const int64 = (values: readonly number[]): Tensor => fromValues(values, [values.length], 'int64');

function lengthsOf(lengths: Tensor | readonly number[]): number[] {
  if (Array.isArray(lengths)) return (lengths as number[]).map((v) => Math.trunc(v));
  const t = lengths as Tensor;
  if (t.ndim !== 1) throw new TypeError(`'lengths' argument should be a 1D CPU int64 tensor, but got ${t.ndim}D tensor`);
  return Array.from(t.dataSync() as ArrayLike<number | bigint>, (v) => Math.trunc(Number(v)));
}

/** Indices that sort lengths longest first; ties keep their order. */
function sortDescending(lengths: readonly number[]): number[] {
  return lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
}

/** The inverse of a permutation. */
export function invertPermutation(permutation: readonly number[]): number[] {
  const inverse = new Array<number>(permutation.length);
  permutation.forEach((p, i) => { inverse[p] = i; });
  return inverse;
}

export interface PackOptions {
  /** Input is [N, T, *] instead of [T, N, *] (default false). */
  batchFirst?: boolean;
  /** Lengths must already be in decreasing order (default true); false sorts them and remembers how. */
  enforceSorted?: boolean;
}

/**
 * Packs a padded batch [T, N, *] (or [N, T, *] with batchFirst) whose sequence i has lengths[i] real steps.
 *
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(x, [3, 5, 2], { batchFirst: true, enforceSorted: false });
 */
export function packPaddedSequence(input: Tensor, lengths: Tensor | readonly number[], options: PackOptions = {}): PackedSequence {
  const batchFirst = options.batchFirst ?? false;
  const enforceSorted = options.enforceSorted ?? true;
  const lens = lengthsOf(lengths);
  if (input.ndim < 2) {
    throw new RangeError(`pack_padded_sequence: expected an input of at least 2 dimensions, got ${formatShape(input.shape)}`);
  }
  const T = input.shape[batchFirst ? 1 : 0], N = input.shape[batchFirst ? 0 : 1];
  if (lens.length !== N) throw new RangeError(`Expected \`len(lengths)\` to be equal to batch_size, but got ${lens.length} (batch_size=${N})`);
  const order = enforceSorted ? lens.map((_, i) => i) : sortDescending(lens);
  const sorted = order.map((i) => lens[i]);
  for (let i = 1; i < N && enforceSorted; i++) {
    if (sorted[i] > sorted[i - 1]) {
      throw new RangeError('`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass '
        + '`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do '
        + 'not need ONNX exportability.');
    }
  }
  if (sorted[N - 1] <= 0) {
    throw new RangeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  }
  if (sorted[0] > T) {
    throw new RangeError(`pack_padded_sequence: a sequence has length ${sorted[0]} but the padded input has only ${T} steps`);
  }
  const batchSizes: number[] = [];
  const rows: number[] = [];
  for (let t = 0; t < sorted[0]; t++) {
    let b = 0;
    while (b < N && sorted[b] > t) {
      rows.push(batchFirst ? order[b] * T + t : t * N + order[b]);
      b++;
    }
    batchSizes.push(b);
  }
  const flat = reshape(input, [T * N, ...input.shape.slice(2)]);
  const data = indexSelect(flat, 0, int64(rows));
  return enforceSorted
    ? new PackedSequence(data, int64(batchSizes))
    : new PackedSequence(data, int64(batchSizes), int64(order), int64(invertPermutation(order)));
}

export interface PadOptions {
  /** Output [N, T, *] instead of [T, N, *] (default false). */
  batchFirst?: boolean;
  /** What fills the steps after each sequence's end (default 0). */
  paddingValue?: number;
  /** Pad to this many steps rather than to the longest sequence. */
  totalLength?: number;
}

/**
 * Unpacks into a padded batch in the caller's original order; returns [padded, lengths (int64)].
 *
 * @example
 * const [padded, lengths] = nn.utils.rnn.padPackedSequence(packedOutput, { batchFirst: true });
 */
export function padPackedSequence(sequence: PackedSequence, options: PadOptions = {}): [Tensor, Tensor] {
  const steps = sequence.steps;
  const N = steps[0] ?? 0, maxLength = steps.length;
  const T = options.totalLength ?? maxLength;
  if (T < maxLength) {
    throw new RangeError('Expected total_length to be at least the length of the longest sequence in input, but got '
      + `total_length=${T} and max sequence length being ${maxLength}`);
  }
  const sortedLengths = Array.from({ length: N }, (_, j) => steps.filter((b) => b > j).length);
  const unsorted = sequence.unsortedIndices
    ? Array.from(sequence.unsortedIndices.dataSync() as BigInt64Array, Number)
    : sortedLengths.map((_, i) => i);
  const offsets: number[] = [];
  steps.reduce((offset, b) => { offsets.push(offset); return offset + b; }, 0);
  const data = sequence.data;
  const padRow = data.shape[0]; // index of the padding row appended below
  const rows: number[] = [];
  const at = (t: number, n: number) => {
    const j = unsorted[n];
    rows.push(t < sortedLengths[j] ? offsets[t] + j : padRow);
  };
  if (options.batchFirst) {
    for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) at(t, n);
  } else {
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) at(t, n);
  }
  const rest = data.shape.slice(1);
  const pad = full([1, ...rest], options.paddingValue ?? 0, { dtype: data.dtype });
  const padded = indexSelect(cat([data, pad], 0), 0, int64(rows));
  const shape = options.batchFirst ? [N, T, ...rest] : [T, N, ...rest];
  return [reshape(padded, shape), int64(unsorted.map((j) => sortedLengths[j]))];
}

/**
 * Pads a list of [L_i, *] tensors to [max L, N, *] (or [N, max L, *] with batchFirst).
 *
 * @example
 * const batch = nn.utils.rnn.padSequence([a, b, c], { batchFirst: true });
 */
export function padSequence(sequences: Tensor[], options: { batchFirst?: boolean; paddingValue?: number } = {}): Tensor {
  if (sequences.length === 0) throw new RangeError('pad_sequence: received an empty list of sequences');
  const rest = sequences[0].shape.slice(1);
  for (const s of sequences) {
    if (s.ndim !== rest.length + 1 || s.shape.slice(1).some((d, i) => d !== rest[i])) {
      throw new RangeError(`pad_sequence: every sequence must be [L, ${rest.join(', ')}], got ${formatShape(s.shape)}`);
    }
  }
  const T = Math.max(...sequences.map((s) => s.shape[0]));
  const padded = sequences.map((s) => (s.shape[0] === T
    ? s
    : cat([s, full([T - s.shape[0], ...rest], options.paddingValue ?? 0, { dtype: s.dtype })], 0)).unsqueeze(options.batchFirst ? 0 : 1));
  return cat(padded, options.batchFirst ? 0 : 1);
}

/**
 * Packs a list of [L_i, *] tensors.
 *
 * @example
 * const packed = nn.utils.rnn.packSequence([a, b, c], { enforceSorted: false });
 */
export function packSequence(sequences: Tensor[], options: { enforceSorted?: boolean } = {}): PackedSequence {
  return packPaddedSequence(padSequence(sequences), sequences.map((s) => s.shape[0]), options);
}
