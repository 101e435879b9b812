/**
 * PNG and JPEG decoding to uint8 RGB tensors [H, W, 3], with pure-JavaScript decoders (pngjs, jpeg-js).
 * Like torchvision's default loader (PIL's `convert('RGB')`), grey images are replicated to three
 * channels and alpha is dropped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Tensor } from '../../tensor.js';
import { tensorFromBytes } from '../../io/raw.js';
import { ImageDecodeError } from '../errors.js';

// Both decoders are CommonJS packages; createRequire keeps their typings and avoids interop guesswork.
const require = createRequire(import.meta.url);
const { PNG } = require('pngjs') as typeof import('pngjs');
const jpeg = require('jpeg-js') as typeof import('jpeg-js');

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Refuse images whose decoded size would be absurd (a corrupt header can claim gigapixels). */
const MAX_MEGAPIXELS = 256;

/** The image format told by the file's first bytes (not its name), or null. */
export function sniffImage(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

function rgbaToRgb(rgba: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0, q = 0; p < pixels; p++, q += 4) {
    rgb[3 * p] = rgba[q];
    rgb[3 * p + 1] = rgba[q + 1];
    rgb[3 * p + 2] = rgba[q + 2];
  }
  return rgb;
}

/**
 * Decodes PNG or JPEG bytes to RGB; `file` names the source in errors.
 *
 * @example
 * const { width, height, rgb } = decodeImage(readFileSync('cat.png'), 'cat.png');
 */
export function decodeImage(bytes: Uint8Array, file: string): { width: number; height: number; rgb: Uint8Array } {
  const format = sniffImage(bytes);
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (png.width * png.height > MAX_MEGAPIXELS * 1e6) throw new Error(`${png.width}x${png.height} is too large`);
      return { width: png.width, height: png.height, rgb: rgbaToRgb(png.data, png.width * png.height) };
    }
    if (format === 'jpeg') {
      const img = jpeg.decode(bytes, {
        useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 2048,
      });
      if (img.data.length !== img.width * img.height * 3) throw new Error(`decoder returned ${img.data.length} bytes for ${img.width}x${img.height}`);
      return { width: img.width, height: img.height, rgb: img.data };
    }
  } catch (e) {
    throw new ImageDecodeError(file, `cannot decode ${format!.toUpperCase()} image: ${(e as Error).message ?? e}`);
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageDecodeError(file, `not a PNG or JPEG file (first bytes: ${head || 'none, the file is empty'})`);
}

/**
 * Reads an image file into a uint8 tensor [H, W, 3] (ImageFolder's default loader).
 *
 * @example
 * const img = loadImage('data/cats/001.jpg'); // uint8 [H, W, 3]
 */
export function loadImage(path: string): Tensor {
  const { width, height, rgb } = decodeImage(readFileSync(path), path);
  return tensorFromBytes(rgb, 'uint8', [height, width, 3]);
}
