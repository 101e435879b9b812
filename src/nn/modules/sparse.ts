/** Embedding: a lookup table of learned vectors. */
import type { Tensor } from '../../tensor.js';
import { empty } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { normal_ } from '../init.js';
import { embedding } from '../functional/linear.js';
import type { FactoryOptions } from './linear.js';

/**
 * Maps int64 indices to rows of a [numEmbeddings, embeddingDim] weight initialised N(0, 1); the
 * paddingIdx row starts at zero and receives no gradient.
 *
 * @example
 * const emb = new nn.Embedding(10000, 128, { paddingIdx: 0 });
 * emb.forward(torch.tensor([[1, 2, 0]])).shape; // [1, 3, 128]
 */
export class Embedding extends Module {
  readonly paddingIdx: number | null;
  weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: { paddingIdx?: number | null; weight?: Tensor } & FactoryOptions = {}) {
    super();
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) throw new RangeError('Padding_idx must be within num_embeddings');
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.paddingIdx = paddingIdx;
    if (options.weight) {
      if (options.weight.shape.join() !== [numEmbeddings, embeddingDim].join()) throw new RangeError('Shape of weight does not match num_embeddings and embedding_dim');
      this.weight = Parameter(options.weight);
    } else {
      this.weight = Parameter(empty([numEmbeddings, embeddingDim], { dtype: options.dtype }));
      this.resetParameters();
    }
  }

  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).fill_(0));
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
