/**
 * The child process behind the synchronous downloads of hub/index.ts: model builders are synchronous, as in
 * PyTorch, while fetch is not, so the parent waits for this process. Arguments: URL DST SHA256 HASH_PREFIX
 * PROGRESS ('' for none); on failure one JSON line { code, message } on stdout and exit status 1.
 */
import { HubError } from './errors.js';
import { downloadUrlToFile } from './download.js';

const [url, dst, sha256, hashPrefix, progress] = process.argv.slice(2);
downloadUrlToFile(url, dst, { sha256: sha256 || undefined, hashPrefix: hashPrefix || undefined, progress: progress === '1' })
  .catch((e: unknown) => {
    const code = e instanceof HubError ? e.code : 'DownloadFailed';
    process.stdout.write(`${JSON.stringify({ code, message: (e as Error).message })}\n`);
    process.exitCode = 1;
  });
