/** The public `.pth` namespace: PyTorch checkpoints read and written without executing anything. */
export { loadFile, deserialize, sniff } from './reader.js';
export { saveFile, serialize } from './writer.js';
