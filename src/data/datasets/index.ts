/**
 * Datasets with their torchvision names: MNIST, FashionMNIST, CIFAR10, ImageFolder.
 *
 * @example
 * import { datasets } from 'antorcha/data';
 * const train = new datasets.FashionMNIST({ train: true });
 */
export { MNIST, FashionMNIST, FASHION_MNIST_DEBIAN_ROOT } from './mnist.js';
export type { MNISTOptions } from './mnist.js';
export { CIFAR10 } from './cifar.js';
export type { CIFAR10Options } from './cifar.js';
export { ImageFolder, IMAGE_EXTENSIONS } from './image_folder.js';
export type { ImageFolderOptions } from './image_folder.js';
export { loadImage, decodeImage } from './image_decode.js';
export { parseIdx, idxToTensor } from './idx.js';
export type { IdxArray } from './idx.js';
