/** Typed errors of antorcha/hub (downloads of pretrained weights). */

export type HubErrorCode = 'InvalidUrl' | 'HttpError' | 'NetworkError' | 'HashMismatch' | 'SizeMismatch' | 'DownloadFailed';

/**
 * A download of pretrained weights failed: the server answered with an error, the bytes did not match the
 * expected SHA-256, or the connection broke. Nothing half-written is left in the cache.
 *
 * @example
 * try { models.resnet18({ weights: models.ResNet18_Weights.IMAGENET1K_V1 }); } catch (e) { if (e instanceof HubError) console.log(e.code); }
 */
export class HubError extends Error {
  constructor(readonly code: HubErrorCode, message: string) {
    super(message);
    this.name = 'HubError';
  }
}
