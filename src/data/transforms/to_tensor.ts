/** ToTensor: uint8 images (HWC or HW) to float CHW in [0, 1]. */
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../memory/scope.js';
import { isFloating } from '../../dtype.js';
import { formatShape } from '../../layout.js';
import { Transform } from './transform.js';

// uint8 pixels are divided by 255 in one kernel (integer division gives the default float dtype); other
// dtypes are only laid out as CHW, as torchvision does for non-byte arrays.
function convert(view: Tensor): Tensor {
  return view.dtype === 'uint8' ? view.div(255) : view.contiguous();
}

/**
 * Converts an image tensor of shape [H, W, C] (or [H, W], one channel) to float32 [C, H, W]; uint8 values
 * are divided by 255 (torchvision.transforms.ToTensor). In batch form, [N, H, W, C] or [N, H, W] becomes
 * [N, C, H, W].
 *
 * @example
 * new ToTensor().forward(torch.zeros([28, 28], { dtype: 'uint8' })).shape; // [1, 28, 28]
 */
export class ToTensor extends Transform {
  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`ToTensor expects an image [H, W] or [H, W, C], got ${formatShape(x.shape)}`);
    return tidy(() => convert(x.ndim === 2 ? x.unsqueeze(0) : x.permute(2, 0, 1)));
  }

  override forwardBatch(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`ToTensor (batch) expects [N, H, W] or [N, H, W, C], got ${formatShape(x.shape)}`);
    return tidy(() => convert(x.ndim === 3 ? x.unsqueeze(1) : x.permute(0, 3, 1, 2)));
  }

  override get supportsBatch(): boolean {
    return true;
  }
}

/** @internal Used by transforms that need a floating input. */
export function requireFloat(x: Tensor, who: string): void {
  if (!isFloating(x.dtype)) throw new TypeError(`${who} expects a floating point tensor (apply ToTensor first), got ${x.dtype}`);
}
