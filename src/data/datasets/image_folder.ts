/** ImageFolder: one class per subfolder (torchvision.datasets.ImageFolder). */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../memory/scope.js';
import { Dataset, resolveIndex } from '../dataset.js';
import { DatasetNotFoundError } from '../errors.js';
import { applyTransform, type TransformLike } from '../transforms/transform.js';
import { loadImage } from './image_decode.js';

/** The extensions ImageFolder picks up by default: the formats it can decode. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export interface ImageFolderOptions<X, Y> {
  /** Applied to each image, a uint8 tensor [H, W, 3]. */
  transform?: TransformLike<Tensor, X>;
  targetTransform?: (target: number) => Y;
  /** Reads one file (default: PNG/JPEG decoding to uint8 [H, W, 3]). */
  loader?: (path: string) => Tensor;
  /** File extensions to include, lower case with the dot (default .png, .jpg, .jpeg). */
  extensions?: string[];
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory(); // follows symlinks, as torchvision's os.walk(followlinks=True)
  } catch {
    return false;
  }
}

/** Every folder under dir (dir included), following symlinks as torchvision's os.walk(followlinks=True). */
function folders(dir: string, out: string[], depth = 0): void {
  out.push(dir);
  if (depth > 32) return; // a symlink loop
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (isDir(path)) folders(path, out, depth + 1);
  }
}

/** Files under dir in torchvision's order: folders sorted by path string, files sorted within each. */
function walk(dir: string, accept: (name: string) => boolean, out: string[]): void {
  const dirs: string[] = [];
  folders(dir, dirs);
  for (const d of dirs.sort()) {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (accept(name) && !isDir(path)) out.push(path);
    }
  }
}

/**
 * A dataset of images stored as `root/<class>/<...>/<file>`: classes are the subfolder names in sorted
 * order, labels their index. Images are decoded on each `get` (PNG and JPEG); a file that cannot be
 * decoded raises ImageDecodeError naming it.
 *
 * @example
 * const ds = new datasets.ImageFolder('data/flowers/train', { transform: new transforms.Compose([
 *   new transforms.Resize(256), new transforms.CenterCrop(224), new transforms.ToTensor()]) });
 * ds.classes; // ['daisy', 'rose', ...]
 */
export class ImageFolder<X = Tensor, Y = number> extends Dataset<[X, Y]> {
  readonly root: string;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  /** [path, classIndex] for every image, in order. */
  readonly samples: [string, number][];
  readonly targets: number[];
  readonly transform: TransformLike<Tensor, X> | undefined;
  readonly targetTransform: ((target: number) => Y) | undefined;
  readonly loader: (path: string) => Tensor;

  constructor(root: string, options: ImageFolderOptions<X, Y> = {}) {
    super();
    this.root = root;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    this.loader = options.loader ?? loadImage;
    if (!isDir(root)) throw new DatasetNotFoundError(`ImageFolder: ${root} is not a folder`, [root]);
    this.classes = readdirSync(root).filter((name) => isDir(join(root, name))).sort();
    if (this.classes.length === 0) throw new DatasetNotFoundError(`ImageFolder: couldn't find any class folder in ${root}`, [root]);
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    const extensions = (options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase());
    const accept = (name: string): boolean => extensions.includes(extname(name).toLowerCase());
    this.samples = [];
    const empty: string[] = [];
    for (const [i, c] of this.classes.entries()) {
      const files: string[] = [];
      walk(join(root, c), accept, files);
      if (files.length === 0) empty.push(c);
      for (const f of files) this.samples.push([f, i]);
    }
    if (empty.length > 0) {
      throw new DatasetNotFoundError(`ImageFolder: found no valid file for the classes ${empty.join(', ')} in ${root}. Supported extensions are: ${extensions.join(', ')}`, [root]);
    }
    this.targets = this.samples.map((s) => s[1]);
  }

  get length(): number {
    return this.samples.length;
  }

  /** [image, label], the image decoded from its file and transformed. */
  get(index: number): [X, Y] {
    const [path, target] = this.samples[resolveIndex(index, this.samples.length)];
    const t = this.transform;
    const image = t ? tidy(() => applyTransform(t, this.loader(path))) : this.loader(path);
    return [image as X, (this.targetTransform ? this.targetTransform(target) : target) as Y];
  }
}
