/** The public safetensors namespace (the names of the Python package, in camelCase). */
export { loadFile, saveFile, serialize, deserialize, readFileHeader, readHeader, MAX_HEADER_SIZE } from './safetensors.js';
