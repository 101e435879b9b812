/** RandomHorizontalFlip. */
import type { Tensor } from '../../tensor.js';
import { rand } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { tidy } from '../../memory/scope.js';
import { formatShape } from '../../layout.js';
import { Transform, spatial } from './transform.js';

/**
 * Flips the image left-right with probability p (torchvision.transforms.RandomHorizontalFlip). The draw
 * is `torch.rand(1) < p` from the default generator, as torchvision does.
 *
 * @example
 * new RandomHorizontalFlip(0.5).forward(img);
 */
export class RandomHorizontalFlip extends Transform {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`RandomHorizontalFlip: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2) throw new RangeError(`RandomHorizontalFlip expects an image [..., H, W], got ${formatShape(x.shape)}`);
    const r = rand([1]);
    // Compared in float32, like a float32 tensor against a Python scalar.
    const flip = r.item() < Math.fround(this.p);
    r.dispose();
    return flip ? tidy(() => spatial(x, false, (chw) => chw.flip(-1))) : x;
  }

  /** Every image of the batch [N, ..., H, W] gets its own draw. */
  override forwardBatch(x: Tensor): Tensor {
    if (x.ndim < 3) throw new RangeError(`RandomHorizontalFlip (batch) expects [N, ..., H, W], got ${formatShape(x.shape)}`);
    return tidy(() => {
      const mask = rand([x.shape[0]]).lt(Math.fround(this.p)).reshape([x.shape[0], ...x.shape.slice(1).map(() => 1)]);
      return where(mask, spatial(x, true, (chw) => chw.flip(-1)), x);
    });
  }

  override get supportsBatch(): boolean {
    return true;
  }
}
