/**
 * The native addon and the argument tape. Kernels read their arguments from one shared Float64Array that
 * TypeScript fills before calling `run()`: one N-API call per kernel, with no argument marshalling.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  init(tape: Float64Array): void;
  alloc(nbytes: number): number;
  free(handle: number): boolean;
  copyIn(handle: number, byteOffset: number, source: ArrayBufferView): void;
  copyOut(handle: number, byteOffset: number, target: ArrayBufferView): void;
  run(): void;
  stats(): Float64Array;
  emptyCache(): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
}

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('antorcha: cannot locate the package root');
    dir = parent;
  }
  return dir;
}

function loadAddon(): NativeAddon {
  const root = findPackageRoot();
  const path = join(root, 'build', 'Release', 'antorcha.node');
  if (!existsSync(path)) {
    throw new Error(
      `antorcha: the native backend is not built (${join('build', 'Release', 'antorcha.node')} is missing). ` +
        'Run `npm run build` (needs g++, make, python3 and libdnnl-dev).',
    );
  }
  return createRequire(import.meta.url)(path) as NativeAddon;
}

export const addon: NativeAddon = loadAddon();

const TAPE_LENGTH = 1 << 14;
/** The shared argument tape; `tape.pos` is the next free slot. */
export const tape = { data: new Float64Array(TAPE_LENGTH), pos: 0 };
addon.init(tape.data);
