/**
 * Image transforms on tensors [C, H, W] (torchvision.transforms); most also take batches [N, C, H, W].
 *
 * @example
 * import { transforms } from 'antorcha/data';
 * const t = new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.5], [0.5])]);
 */
export { Transform, applyTransform } from './transform.js';
export type { TransformLike } from './transform.js';
export { Compose, Lambda } from './compose.js';
export { ToTensor } from './to_tensor.js';
export { Normalize } from './normalize.js';
export { CenterCrop, RandomCrop } from './crop.js';
export type { RandomCropOptions } from './crop.js';
export { RandomHorizontalFlip } from './flip.js';
export { Resize } from './resize.js';
export type { ResizeOptions } from './resize.js';
