/**
 * CIFAR-10 from its binary version (torchvision.datasets.CIFAR10 reads the pickled Python version; the
 * binary one needs no unpickler): data_batch_1.bin ... data_batch_5.bin and test_batch.bin, each a run of
 * 3073-byte records: one label byte, then 1024 red, 1024 green and 1024 blue bytes (32 × 32, row-major).
 */
import { statSync, readFileSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../memory/scope.js';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import { InMemoryImageDataset, type ImageTransforms } from './in_memory.js';
import { tensorFromBytes } from '../../io/raw.js';
import { downloadSync } from '../download/sync.js';
import { extractTar } from '../download/tar.js';
import { CIFAR10_RESOURCE, type Resource } from '../download/registry.js';

const RECORD = 1 + 3 * 32 * 32;
const FOLDER = 'cifar-10-batches-bin';
const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const TEST_FILES = ['test_batch.bin'];

export interface CIFAR10Options<X, Y> extends ImageTransforms<X, Y> {
  /** Folder holding the .bin files, directly or in `cifar-10-batches-bin/`. */
  root: string;
  /** The 50,000 training images (default) or the 10,000 test images. */
  train?: boolean;
  /** Download and unpack the binary archive into `root` when files are missing (MD5-checked). */
  download?: boolean;
}

/** The pixel bytes (labels stripped) and labels of one batch file, checked record by record. */
function readBatch(file: string, classes: number): { pixels: Uint8Array; labels: Uint8Array } {
  const size = statSync(file).size;
  if (size === 0 || size % RECORD !== 0) {
    throw new DatasetFormatError(file, `size ${size} bytes is not a positive multiple of ${RECORD} (1 label byte + 3072 pixel bytes per record)`);
  }
  const raw = readFileSync(file);
  const n = size / RECORD;
  const pixels = new Uint8Array(n * (RECORD - 1));
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const label = raw[r * RECORD];
    if (label >= classes) throw new DatasetFormatError(file, `record ${r} has label ${label}; CIFAR-10 labels are 0-${classes - 1}`);
    labels[r] = label;
    pixels.set(raw.subarray(r * RECORD + 1, (r + 1) * RECORD), r * (RECORD - 1));
  }
  return { pixels, labels };
}

/**
 * The CIFAR-10 images (torchvision.datasets.CIFAR10). `data` is uint8 [N, 32, 32, 3] (HWC, like
 * torchvision's `.data`), `targets` int64 [N].
 *
 * @example
 * const train = new datasets.CIFAR10({ root: 'data', transform: new transforms.Compose([
 *   new transforms.RandomCrop(32, { padding: 4 }), new transforms.RandomHorizontalFlip(), new transforms.ToTensor()]) });
 */
export class CIFAR10<X = Tensor, Y = number> extends InMemoryImageDataset<X, Y> {
  static readonly classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  /** The archive, mirrors and checksum used by `download: true` (replace to use another mirror). */
  static resource: Resource = CIFAR10_RESOURCE;

  readonly classes = CIFAR10.classes;
  readonly train: boolean;
  readonly root: string;

  constructor(options: CIFAR10Options<X, Y>) {
    const { pixels, labels } = readSplit(options);
    const n = labels.length;
    // Records are planar (CHW); torchvision exposes HWC, so one native transpose at load time.
    super(tidy(() => tensorFromBytes(pixels, 'uint8', [n, 3, 32, 32]).permute(0, 2, 3, 1).contiguous()), labels, options);
    this.root = options.root;
    this.train = options.train ?? true;
  }
}

/** Finds (downloading when asked) and reads the batch files of one split. */
function readSplit(options: CIFAR10Options<unknown, unknown>): { pixels: Uint8Array; labels: Uint8Array } {
  if (!options?.root) throw new DatasetNotFoundError('CIFAR10: pass { root } (the folder with the .bin files), and { download: true } to fetch them', []);
  const root = options.root;
  const names = (options.train ?? true) ? TRAIN_FILES : TEST_FILES;
  const dirs = [root, join(root, FOLDER)];
  const locate = (): (string | null)[] => names.map((n) => dirs.map((d) => join(d, n)).find((p) => existsSync(p)) ?? null);
  let files = locate();
  if (files.some((f) => f === null) && options.download) {
    const resource = CIFAR10.resource;
    const archive = join(root, resource.filename);
    mkdirSync(join(root, FOLDER), { recursive: true });
    downloadSync(resource.urls, archive, { md5: resource.md5, sha256: resource.sha256 });
    extractTar(archive, join(root, FOLDER), [...TRAIN_FILES, ...TEST_FILES]);
    unlinkSync(archive);
    files = locate();
  }
  const missing = names.filter((_, i) => files[i] === null);
  if (missing.length > 0) {
    throw new DatasetNotFoundError(`CIFAR10: ${missing.join(', ')} not found in ${dirs.join(', ')}. Pass { download: true } to download the binary version (${CIFAR10.resource.urls[0]}).`, dirs);
  }
  const batches = (files as string[]).map((f) => readBatch(f, CIFAR10.classes.length));
  const n = batches.reduce((a, b) => a + b.labels.length, 0);
  const pixels = new Uint8Array(n * (RECORD - 1));
  const labels = new Uint8Array(n);
  let at = 0;
  for (const b of batches) {
    pixels.set(b.pixels, at * (RECORD - 1));
    labels.set(b.labels, at);
    at += b.labels.length;
  }
  return { pixels, labels };
}
