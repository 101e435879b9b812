/** Shared test helpers: fixtures from PyTorch and tolerant comparison. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import type { Tensor, DType } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Path of a committed fixture (tests run from dist/test, fixtures stay in test/fixtures). */
export function fixturePath(name: string): string {
  return join(here, '..', '..', 'test', 'fixtures', name);
}
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

export interface EncodedTensor {
  shape: number[];
  dtype: DType;
  data: (number | string)[];
}

export function decodeValues(data: (number | string)[]): number[] {
  return data.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
}

export function fromFixture(e: EncodedTensor, dtype: DType = e.dtype): Tensor {
  return torch.tensor(decodeValues(e.data), { dtype }).reshape(e.shape);
}

/** PyTorch's default tolerances for torch.testing.assert_close, by dtype. */
export function tolerance(dtype: DType): { rtol: number; atol: number } {
  switch (dtype) {
    case 'float32': return { rtol: 1.3e-6, atol: 1e-5 };
    case 'float64': return { rtol: 1e-7, atol: 1e-7 };
    case 'bfloat16': return { rtol: 1.6e-2, atol: 1e-5 };
    case 'float16': return { rtol: 1e-3, atol: 1e-5 };
    default: return { rtol: 0, atol: 0 };
  }
}

/** Describes the first mismatch between actual and expected, or returns null when they agree. */
export function mismatch(actual: Tensor, expected: EncodedTensor, tol = tolerance(expected.dtype)): string | null {
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.shape.join() !== expected.shape.join()) return `shape [${actual.shape}], expected [${expected.shape}]`;
  const got = Array.from(actual.dataSync() as ArrayLike<number | bigint>, Number);
  // Fixtures print 16- and 32-bit floats with 9 significant digits, which identify a float32 exactly.
  const narrow = expected.dtype === 'float32' || expected.dtype === 'bfloat16' || expected.dtype === 'float16';
  const want = decodeValues(expected.data).map((v) => (narrow ? Math.fround(v) : v));
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    if (!(Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b))) {
      return `element ${i}: got ${a}, expected ${b} (rtol ${tol.rtol}, atol ${tol.atol})`;
    }
  }
  return null;
}

/** ‖a − b‖ / ‖b‖ over the whole tensor, in float64 (how far a low-precision result lands from a float32 one). */
export function relativeError(a: Tensor, b: Tensor): number {
  const d = a.double().sub(b.double());
  return Math.sqrt(d.mul(d).sum().item() / b.double().mul(b.double()).sum().item());
}

/**
 * Whether this CPU runs the library's own AVX2 convolution kernels (Winograd, unfolded rows): AVX2 and FMA
 * without AVX-512, where oneDNN's kernels are no wider (native/cpu/dnnl_context.cc own_avx2_kernels).
 */
export function ownAvx2Kernels(): boolean {
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '';
  } catch {
    return false;
  }
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
  return has('avx2') && has('fma') && !has('avx512f') && !process.env.ONEDNN_MAX_CPU_ISA;
}
