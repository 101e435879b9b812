/** Typed errors of antorcha/io, so callers can tell a damaged file from a bug. */

/** What went wrong, named after the reference implementation's error variants. */
export type SafetensorsErrorCode =
  | 'HeaderTooSmall' | 'HeaderTooLarge' | 'InvalidHeaderLength' | 'InvalidHeader' | 'InvalidHeaderStart'
  | 'InvalidHeaderDeserialization' | 'InvalidDType' | 'InvalidShape' | 'InvalidOffset' | 'TensorInvalidInfo'
  | 'ValidationOverflow' | 'MetadataIncompleteBuffer' | 'DuplicateKey' | 'UnsupportedDType' | 'InvalidTensor'
  | 'InvalidStructure' | 'NotSafetensors';

/**
 * A safetensors file (or the object being saved) breaks the format's rules.
 *
 * @example
 * try { torch.load('ckpt.safetensors'); } catch (e) { if (e instanceof SafetensorsError) console.log(e.code); }
 */
export class SafetensorsError extends Error {
  constructor(readonly code: SafetensorsErrorCode, message: string, readonly file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'SafetensorsError';
  }
}
