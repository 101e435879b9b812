/** MNIST and Fashion-MNIST from IDX files (gzipped or not), as torchvision.datasets.MNIST / FashionMNIST. */
import { join } from 'node:path';
import type { Tensor } from '../../tensor.js';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import { InMemoryImageDataset, type ImageTransforms } from './in_memory.js';
import { findFile, readMaybeGzip } from './files.js';
import { parseIdx, type IdxArray } from './idx.js';
import { tensorFromBytes } from '../../io/raw.js';
import { downloadSync } from '../download/sync.js';
import { FASHION_MNIST_RESOURCES, MNIST_RESOURCES, type Resource } from '../download/registry.js';

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

export interface MNISTOptions<X, Y> extends ImageTransforms<X, Y> {
  /** Folder holding the IDX files, directly or under `<Name>/raw/` (torchvision's layout). */
  root?: string;
  /** Training split (60,000 images) or test split (10,000); default true. */
  train?: boolean;
  /** Download missing files into `<root>/<Name>/raw` (checksummed). Default false. */
  download?: boolean;
}

interface Variant {
  name: string;
  classes: string[];
  resources: Resource[];
  defaultRoot?: string;
  /** What to tell a user whose files are missing. */
  installHint: string;
}

/** Shared implementation of the MNIST family: finding, downloading and parsing the IDX files. */
abstract class IdxImageDataset<X, Y> extends InMemoryImageDataset<X, Y> {
  readonly classes: string[];
  readonly train: boolean;
  readonly root: string;

  protected constructor(variant: Variant, options: MNISTOptions<X, Y>) {
    const { images, labels } = readSplit(variant, options);
    super(tensorFromBytes(images.payload, 'uint8', images.shape), labels, options);
    this.train = options.train ?? true;
    this.classes = variant.classes;
    this.root = (options.root ?? variant.defaultRoot)!;
  }
}

/** Finds (downloading when asked) and parses the image and label files of one split. */
function readSplit(variant: Variant, options: MNISTOptions<unknown, unknown>): { images: IdxArray; labels: Uint8Array } {
  const root = options.root ?? variant.defaultRoot;
  if (root === undefined) {
    throw new DatasetNotFoundError(`${variant.name}: pass { root } (the folder with the IDX files), and { download: true } to fetch them`, []);
  }
  const prefix = (options.train ?? true) ? 'train' : 't10k';
  const names = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
  const rawDir = join(root, variant.name, 'raw');
  const dirs = [root, rawDir, join(root, variant.name)];
  let files = names.map((n) => findFile(dirs, n));
  if (files.some((f) => f === null) && options.download) {
    for (const [i, name] of names.entries()) {
      if (files[i] !== null) continue;
      const resource = variant.resources.find((r) => r.filename === `${name}.gz`)!;
      downloadSync(resource.urls, join(rawDir, resource.filename), { md5: resource.md5, sha256: resource.sha256 });
    }
    files = names.map((n) => findFile(dirs, n));
  }
  const missing = names.filter((_, i) => files[i] === null);
  if (missing.length > 0) {
    throw new DatasetNotFoundError(
      `${variant.name}: ${missing.map((m) => `${m}(.gz)`).join(' and ')} not found in ${dirs.join(', ')}. ${variant.installHint}`, dirs,
    );
  }
  const [imageFile, labelFile] = files as string[];
  const images = parseIdx(readMaybeGzip(imageFile), imageFile, IMAGES_MAGIC);
  const labels = parseIdx(readMaybeGzip(labelFile), labelFile, LABELS_MAGIC);
  if (images.shape[0] !== labels.shape[0]) {
    throw new DatasetFormatError(labelFile, `${labels.shape[0]} labels for ${images.shape[0]} images in ${imageFile}`);
  }
  const bad = labels.payload.findIndex((l) => l >= variant.classes.length);
  if (bad >= 0) throw new DatasetFormatError(labelFile, `label ${labels.payload[bad]} at index ${bad} is not a class (0-${variant.classes.length - 1})`);
  return { images, labels: labels.payload.slice() };
}

/**
 * The MNIST handwritten digits (torchvision.datasets.MNIST). `data` (uint8 [N, 28, 28]) and `targets`
 * (int64 [N]) hold the whole split, for trainers that normalize once.
 *
 * @example
 * const train = new datasets.MNIST({ root: 'data', download: true, transform: new transforms.ToTensor() });
 */
export class MNIST<X = Tensor, Y = number> extends IdxImageDataset<X, Y> {
  static readonly classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'];
  /** Files, mirrors and checksums used by `download: true` (replace to use another mirror). */
  static resources: Resource[] = MNIST_RESOURCES;

  constructor(options: MNISTOptions<X, Y> = {}) {
    super({
      name: 'MNIST', classes: MNIST.classes, resources: MNIST.resources,
      installHint: 'Pass { download: true } to download them, or { root } where they are.',
    }, options);
  }
}

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const FASHION_MNIST_DEBIAN_ROOT = '/usr/share/datasets/fashion-mnist';

/**
 * Zalando's Fashion-MNIST (torchvision.datasets.FashionMNIST). Without `root`, it reads Debian's copy in
 * /usr/share/datasets/fashion-mnist (`apt-get install dataset-fashion-mnist`).
 *
 * @example
 * const train = new datasets.FashionMNIST({ train: true });
 * const x = train.data.float().div(255); // [60000, 28, 28]
 */
export class FashionMNIST<X = Tensor, Y = number> extends IdxImageDataset<X, Y> {
  static readonly classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  /** Files, mirrors and checksums used by `download: true` (replace to use another mirror). */
  static resources: Resource[] = FASHION_MNIST_RESOURCES;

  constructor(options: MNISTOptions<X, Y> = {}) {
    super({
      name: 'FashionMNIST', classes: FashionMNIST.classes, resources: FashionMNIST.resources, defaultRoot: FASHION_MNIST_DEBIAN_ROOT,
      installHint: options.root === undefined
        ? 'Install them with `apt-get install dataset-fashion-mnist` (Debian), or pass { root, download: true } to download them.'
        : 'Pass { download: true } to download them, or install Debian\'s copy with `apt-get install dataset-fashion-mnist` and leave out root.',
    }, options);
  }
}
