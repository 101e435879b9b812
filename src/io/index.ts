/**
 * antorcha/io: checkpoints (torch.save / torch.load) and the safetensors format.
 *
 * @example
 * import { save, load } from 'antorcha/io';
 * save({ model: model.stateDict(), epoch: 3 }, 'ckpt.safetensors');
 * const ckpt = load('ckpt.safetensors');
 */
import * as safetensors from './safetensors_api.js';

export { save, load } from './checkpoint.js';
export type { Saveable, SaveOptions } from './checkpoint.js';
export { SafetensorsError } from './errors.js';
export type { SafetensorsErrorCode } from './errors.js';
export type { TensorInfo, SafetensorsHeader, SafetensorsContents } from './safetensors.js';
/** safetensors helpers: loadFile, saveFile, serialize, deserialize, readFileHeader. */
export { safetensors };
