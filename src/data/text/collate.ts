/** Padding token sequences and batching them for the DataLoader. */
import type { Tensor } from '../../tensor.js';
import { fromValues } from '../../ops/creation.js';

/**
 * `ids` cut to `length` (the first `length` kept) or padded at the end with `padIndex`; a new array.
 *
 * @example
 * padOrTruncate([5, 6, 7], 5, 0); // [5, 6, 7, 0, 0]
 * padOrTruncate([5, 6, 7], 2, 0); // [5, 6]
 */
export function padOrTruncate(ids: ArrayLike<number>, length: number, padIndex: number): number[] {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`padOrTruncate: length must be a non-negative integer, got ${length}`);
  const out = new Array<number>(length);
  const n = Math.min(ids.length, length);
  for (let i = 0; i < n; i++) out[i] = ids[i];
  out.fill(padIndex, n);
  return out;
}

/** Options of `textCollate`. */
export interface TextCollateOptions {
  /** Longest sequence kept; longer ones are truncated (keeping their first tokens). Default: no limit. */
  maxLength?: number;
  /** Index written after the end of shorter sequences (a Vocab's `padIndex`). */
  padIndex: number;
  /** Tokens as [B, L] (default) or [L, B], as batch_first in PyTorch's recurrent layers. */
  batchFirst?: boolean;
  /**
   * Labels as int64 class indices of shape [B] (default; for cross-entropy), or float32 of shape [B, 1]
   * (for a one-logit binary classifier with BCEWithLogitsLoss, whose target has the logits' shape).
   */
  labelDtype?: 'int64' | 'float32';
}

/** A sample that textCollate accepts: token ids and a label. */
export type TextSample = readonly [ids: ArrayLike<number>, label: number];

/**
 * A DataLoader `collateFn` for text classification: it turns samples `[ids, label]` into
 * `[tokens, labels, lengths]`, where tokens is an int64 tensor [B, L] (or [L, B]) padded with `padIndex`,
 * L the longest sequence of the batch cut to `maxLength` (so short batches stay short), labels as set by
 * `labelDtype`, and lengths the int64 number of real tokens per row (after truncation), as
 * pack_padded_sequence and masked mean pooling need. An empty sequence gives a row of padding and length 0.
 *
 * @example
 * const loader = new DataLoader(train, {
 *   batchSize: 32, shuffle: true, collateFn: textCollate({ maxLength: 256, padIndex: vocab.padIndex }),
 * });
 * for (const [tokens, labels, lengths] of loader) torch.tidy(() => step(tokens, labels, lengths));
 */
export function textCollate(options: TextCollateOptions): (samples: readonly TextSample[]) => [Tensor, Tensor, Tensor] {
  const { maxLength = Infinity, padIndex, batchFirst = true, labelDtype = 'int64' } = options;
  if (maxLength !== Infinity && (!Number.isInteger(maxLength) || maxLength < 1)) {
    throw new RangeError(`textCollate: maxLength must be a positive integer, got ${maxLength}`);
  }
  if (!Number.isInteger(padIndex) || padIndex < 0) throw new RangeError(`textCollate: padIndex must be a non-negative integer, got ${padIndex}`);
  if (labelDtype !== 'int64' && labelDtype !== 'float32') throw new TypeError(`textCollate: labelDtype must be 'int64' or 'float32', got ${String(labelDtype)}`);
  return (samples) => {
    const b = samples.length;
    if (b === 0) throw new RangeError('textCollate: empty batch');
    const lengths = new Float64Array(b);
    const labels = new Float64Array(b);
    for (let i = 0; i < b; i++) {
      const sample: unknown = samples[i];
      if (!Array.isArray(sample) || sample.length !== 2) throw new TypeError(`textCollate: sample ${i} is not an [ids, label] pair`);
      const [ids, label] = sample as [unknown, unknown];
      if (ids === null || typeof ids !== 'object' || typeof (ids as { length?: unknown }).length !== 'number') {
        throw new TypeError(`textCollate: the ids of sample ${i} are not an array of token indices`);
      }
      if (typeof label !== 'number' || !Number.isFinite(label) || (labelDtype === 'int64' && !Number.isInteger(label))) {
        throw new TypeError(`textCollate: the label of sample ${i} is ${String(label)}, not ${labelDtype === 'int64' ? 'an integer class index' : 'a finite number'}`);
      }
      lengths[i] = Math.min((ids as ArrayLike<number>).length, maxLength);
      labels[i] = label;
    }
    const len = lengths.reduce((a, n) => Math.max(a, n), 0);
    // Written directly in the requested layout, so an [L, B] batch is contiguous too.
    const tokens = new Float64Array(b * len).fill(padIndex);
    const [rowStride, colStride] = batchFirst ? [len, 1] : [1, b];
    for (let i = 0; i < b; i++) {
      const ids = samples[i][0];
      for (let j = 0; j < lengths[i]; j++) {
        const id = ids[j];
        if (!Number.isInteger(id) || id < 0) throw new RangeError(`textCollate: token ${j} of sample ${i} is ${id}, not a token index`);
        tokens[i * rowStride + j * colStride] = id;
      }
    }
    return [
      fromValues(tokens, batchFirst ? [b, len] : [len, b], 'int64'),
      labelDtype === 'int64' ? fromValues(labels, [b], 'int64') : fromValues(labels, [b, 1], 'float32'),
      fromValues(lengths, [b], 'int64'),
    ];
  };
}
