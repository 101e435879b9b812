/**
 * Verified, atomic downloads into a dataset cache (used by the datasets' `download: true`).
 *
 * @example
 * import { download } from 'antorcha/data';
 * await download.download(url, 'data/file.gz', { sha256 });
 */
export { download, downloadFromMirrors, fileDigest, checkFile } from './download.js';
export type { Checksum, DownloadOptions } from './download.js';
export { downloadSync } from './sync.js';
export { ProgressBar } from './progress.js';
export type { ProgressStream } from './progress.js';
export { extractTar } from './tar.js';
export { MNIST_RESOURCES, FASHION_MNIST_RESOURCES, CIFAR10_RESOURCE } from './registry.js';
export type { Resource } from './registry.js';
