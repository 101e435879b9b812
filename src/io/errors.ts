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

/** What went wrong with a PyTorch `.pth` checkpoint (the zip archive, its pickle, or its tensors). */
export type PthErrorCode =
  | 'NotZip' | 'TruncatedZip' | 'CorruptZip' | 'UnsupportedZip' | 'LegacyFormat' | 'TorchScriptArchive'
  | 'MissingRecord' | 'UnsupportedOpcode' | 'ForbiddenGlobal' | 'ForbiddenCall' | 'InvalidPickle'
  | 'StackUnderflow' | 'MemoMissing' | 'TooDeep' | 'TooLarge' | 'InvalidStorage' | 'InvalidTensor'
  | 'UnsupportedDType' | 'InvalidStructure';

/**
 * A PyTorch `.pth` file is damaged, hostile or uses something antorcha does not read (or an object cannot
 * be written as one). The message names the problem; nothing in the file is ever executed.
 *
 * @example
 * try { torch.load('model.pth'); } catch (e) { if (e instanceof PthError) console.log(e.code, e.message); }
 */
export class PthError extends Error {
  constructor(readonly code: PthErrorCode, message: string, readonly file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'PthError';
  }
}
