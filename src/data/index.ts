/**
 * antorcha/data: datasets, loaders and transforms (torch.utils.data and torchvision's datasets/transforms).
 *
 * @example
 * import * as torch from 'antorcha';
 * import { DataLoader, datasets, transforms } from 'antorcha/data';
 * torch.manualSeed(0);
 * const train = new datasets.FashionMNIST({ train: true, transform: new transforms.Compose([
 *   new transforms.ToTensor(), new transforms.Normalize([0.2860], [0.3530])]) });
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
 * for (const [x, y] of loader) torch.tidy(() => step(x, y));
 */
import * as transforms from './transforms/index.js';
import * as datasets from './datasets/index.js';
import * as download from './download/index.js';
import * as text from './text/index.js';

export { Dataset, TensorDataset, Subset, ConcatDataset, randomSplit } from './dataset.js';
export { DataLoader } from './dataloader.js';
export type { DataLoaderOptions } from './dataloader.js';
export { defaultCollate } from './collate.js';
export type { Collated } from './collate.js';
export { Generator } from './generator.js';
export { SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } from './sampler.js';
export type { Sampler, RandomSamplerOptions } from './sampler.js';
export { DatasetFormatError, ImageDecodeError, DatasetNotFoundError, DownloadError, ChecksumError } from './errors.js';
export { transforms, datasets, download, text };
