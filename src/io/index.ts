/**
 * antorcha/io: checkpoints (torch.save / torch.load), the safetensors format and PyTorch's `.pth` format.
 *
 * @example
 * import { save, load } from 'antorcha/io';
 * save({ model: model.stateDict(), epoch: 3 }, 'ckpt.safetensors');
 * const ckpt = load('ckpt.safetensors');
 */
import * as safetensors from './safetensors_api.js';
import * as pth from './pth/index.js';

export { save, load } from './checkpoint.js';
export type { Saveable, SaveOptions } from './checkpoint.js';
export { SafetensorsError, PthError } from './errors.js';
export type { SafetensorsErrorCode, PthErrorCode } from './errors.js';
export type { TensorInfo, SafetensorsHeader, SafetensorsContents } from './safetensors.js';
/** safetensors helpers: loadFile, saveFile, serialize, deserialize, readFileHeader. */
export { safetensors };
/** PyTorch `.pth` checkpoints (torch.save's zip format): loadFile, saveFile, serialize, deserialize. */
export { pth };
