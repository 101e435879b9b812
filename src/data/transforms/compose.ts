/** Compose and Lambda: chaining transforms and wrapping functions. */
import { tidy } from '../../memory/scope.js';
import { Transform, applyTransform, type TransformLike } from './transform.js';

/**
 * Applies transforms in order (torchvision.transforms.Compose). Batchable when every member is.
 *
 * @example
 * const t = new Compose([new ToTensor(), new Normalize([0.2860], [0.3530])]);
 */
export class Compose extends Transform<any, any> {
  constructor(readonly transforms: TransformLike<any, any>[]) {
    super();
  }

  // Intermediate images are freed as the chain goes (tidy keeps only the result).
  forward(x: any): any {
    return tidy(() => {
      for (const t of this.transforms) x = applyTransform(t, x);
      return x;
    });
  }

  override forwardBatch(x: any): any {
    return tidy(() => {
      for (const t of this.transforms) x = (t as Transform<unknown, unknown>).forwardBatch(x);
      return x;
    });
  }

  override get supportsBatch(): boolean {
    return this.transforms.every((t) => t instanceof Transform && t.supportsBatch);
  }
}

/**
 * Wraps a function as a transform (torchvision.transforms.Lambda). Pass `{ batch: true }` when the function
 * maps a stacked batch correctly too.
 *
 * @example
 * const scale = new Lambda((x: Tensor) => x.mul(2), { batch: true });
 */
export class Lambda<I, O> extends Transform<I, O> {
  private readonly batch: boolean;
  constructor(readonly fn: (x: I) => O, options: { batch?: boolean } = {}) {
    super();
    this.batch = options.batch ?? false;
  }
  forward(x: I): O {
    return this.fn(x);
  }
  override forwardBatch(x: I): O {
    return this.fn(x);
  }
  override get supportsBatch(): boolean {
    return this.batch;
  }
}
