/** Typed errors of antorcha/data: each names the file or URL involved and what was expected. */

/**
 * A data file exists but its contents are wrong (truncated, bad magic number, wrong size, undecodable).
 *
 * @example
 * try { new datasets.MNIST({ root }); } catch (e) { if (e instanceof DatasetFormatError) console.error(e.file); }
 */
export class DatasetFormatError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'DatasetFormatError';
  }
}

/**
 * An image file that PNG/JPEG decoding refused.
 *
 * @example
 * try { ds.get(i); } catch (e) { if (e instanceof ImageDecodeError) console.warn('skipping', e.file); }
 */
export class ImageDecodeError extends DatasetFormatError {
  constructor(file: string, message: string) {
    super(file, message);
    this.name = 'ImageDecodeError';
  }
}

/**
 * The files of a dataset are not where they were looked for; the message says how to get them.
 *
 * @example
 * try { new datasets.FashionMNIST(); } catch (e) { if (e instanceof DatasetNotFoundError) console.error(e.message); }
 */
export class DatasetNotFoundError extends Error {
  constructor(message: string, readonly searched: string[]) {
    super(message);
    this.name = 'DatasetNotFoundError';
  }
}

/**
 * A download failed (network error, HTTP status, truncated body).
 *
 * @example
 * try { await download(url, dest); } catch (e) { if (e instanceof DownloadError) console.error(e.url); }
 */
export class DownloadError extends Error {
  constructor(readonly url: string, message: string) {
    super(`${url}: ${message}`);
    this.name = 'DownloadError';
  }
}

/**
 * A downloaded file does not have the published checksum; nothing was written to the cache.
 *
 * @example
 * catch (e) { if (e instanceof ChecksumError) console.error(e.expected, e.actual); }
 */
export class ChecksumError extends DownloadError {
  constructor(url: string, readonly algorithm: 'sha256' | 'md5', readonly expected: string, readonly actual: string) {
    super(url, `${algorithm} mismatch: expected ${expected}, got ${actual}`);
    this.name = 'ChecksumError';
  }
}
