/**
 * antorcha/hub, as torch.hub for weights: a cache folder shared with PyTorch's (`$TORCH_HOME/hub`, by default
 * `~/.cache/torch/hub`), and downloads of checkpoints into its `checkpoints/` folder, verified by SHA-256 and
 * written atomically, so a file downloaded by either framework serves both.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../io/checkpoint.js';
import { HubError, type HubErrorCode } from './errors.js';
import { downloadUrlToFile, hashPrefixOf, type DownloadOptions } from './download.js';

export { HubError, type HubErrorCode } from './errors.js';
export { downloadUrlToFile, hashPrefixOf, type DownloadOptions } from './download.js';

let hubDir: string | null = null;

/**
 * The hub folder: setDir's, else `$TORCH_HOME/hub`, else `$XDG_CACHE_HOME/torch/hub`, else `~/.cache/torch/hub`.
 *
 * @example
 * hub.getDir(); // '/home/me/.cache/torch/hub'
 */
export function getDir(): string {
  if (hubDir !== null) return hubDir;
  const torchHome = process.env.TORCH_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'torch');
  return join(torchHome, 'hub');
}

/** Sets the hub folder for this process. @example hub.setDir('/data/weights'); */
export function setDir(dir: string): void {
  hubDir = dir;
}

export interface CachedFileOptions {
  /** Folder for the file (default `<hub dir>/checkpoints`). */
  modelDir?: string;
  /** File name in that folder (default the URL's last path segment). */
  fileName?: string;
  /** Expected SHA-256 (hex) of the whole file. */
  sha256?: string;
  /** Check the digest prefix in torchvision-style file names (`resnet18-f37072fd.pth`) (default true). */
  checkHash?: boolean;
  /** Progress bar on stderr while downloading (default true). */
  progress?: boolean;
}

function target(url: string, options: CachedFileOptions): { path: string; download: DownloadOptions } {
  const fileName = options.fileName ?? basename(new URL(url).pathname);
  const path = join(options.modelDir ?? join(getDir(), 'checkpoints'), fileName);
  const prefix = options.checkHash === false ? null : hashPrefixOf(fileName);
  return { path, download: { sha256: options.sha256, hashPrefix: prefix ?? undefined, progress: options.progress ?? true } };
}

const childScript = fileURLToPath(new URL('./download_main.js', import.meta.url));

/**
 * The local path of `url`'s file, downloading it first (synchronously, in a child process) unless cached.
 *
 * @example
 * const path = hub.cachedFile('https://download.pytorch.org/models/resnet18-f37072fd.pth');
 */
export function cachedFile(url: string, options: CachedFileOptions = {}): string {
  const { path, download } = target(url, options);
  if (existsSync(path)) return path;
  if (download.progress) process.stderr.write(`Downloading: "${url}" to ${path}\n`);
  const r = spawnSync(process.execPath, [childScript, url, path, download.sha256 ?? '', download.hashPrefix ?? '', download.progress ? '1' : ''], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8',
  });
  if (r.status !== 0) {
    let failure: { code: HubErrorCode; message: string } = { code: 'DownloadFailed', message: `${url}: the download process failed (${r.error?.message ?? `status ${r.status}`})` };
    try {
      failure = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as typeof failure;
    } catch { /* keep the generic failure */ }
    throw new HubError(failure.code, failure.message);
  }
  return path;
}

/**
 * The same, awaiting the download in this process.
 *
 * @example
 * const path = await hub.cachedFileAsync(url, { sha256 });
 */
export async function cachedFileAsync(url: string, options: CachedFileOptions = {}): Promise<string> {
  const { path, download } = target(url, options);
  if (!existsSync(path)) await downloadUrlToFile(url, path, download);
  return path;
}

/**
 * torch.hub.load_state_dict_from_url: downloads (once) and loads a checkpoint.
 *
 * @example
 * const state = hub.loadStateDictFromUrl('https://download.pytorch.org/models/resnet18-f37072fd.pth');
 */
export function loadStateDictFromUrl(url: string, options: CachedFileOptions = {}): unknown {
  return load(cachedFile(url, options));
}
