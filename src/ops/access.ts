/** Reading tensor contents back into JavaScript. */
import type { DType, ElementArray } from '../dtype.js';
import { itemsize, typedArrayFor } from '../dtype.js';
import { bf16BitsToFloat, f16BitsToFloat } from '../half.js';
import { addon } from '../backend/native.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './views.js';
import { formatShape } from '../layout.js';

export function elementSize(dtype: DType): number {
  return itemsize(dtype);
}

/** Raw contiguous elements as stored (16-bit floats as their bit patterns). */
function rawData(t: Tensor): ElementArray {
  const c = t.isContiguous() ? t : contiguous(t);
  try {
    const n = c.numel();
    const out = typedArrayFor(c.dtype, n);
    if (n > 0) addon.copyOut(c.storage.handle, c.offset * itemsize(c.dtype), out);
    return out;
  } finally {
    if (c !== t) c.dispose();
  }
}

/** Contiguous copy of the elements; bfloat16/float16 are widened to Float32Array, bool is 0/1 bytes. */
export function dataSync(t: Tensor): ElementArray {
  const raw = rawData(t);
  if (t.dtype !== 'bfloat16' && t.dtype !== 'float16') return raw;
  const conv = t.dtype === 'bfloat16' ? bf16BitsToFloat : f16BitsToFloat;
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = conv((raw as Uint16Array)[i]);
  return out;
}

function jsValue(dtype: DType, v: number | bigint): number | boolean {
  if (dtype === 'bool') return v !== 0;
  return Number(v);
}

export function item(t: Tensor): number {
  if (t.numel() !== 1) {
    throw new RangeError(`a Tensor with ${t.numel()} elements cannot be converted to Scalar (shape ${formatShape(t.shape)})`);
  }
  return Number(dataSync(t)[0]);
}

export function tolist(t: Tensor): unknown {
  const data = dataSync(t);
  const shape = t.shape;
  if (shape.length === 0) return jsValue(t.dtype, data[0]);
  let pos = 0;
  const build = (d: number): unknown[] => {
    const out = new Array<unknown>(shape[d]);
    for (let i = 0; i < shape[d]; i++) out[i] = d === shape.length - 1 ? jsValue(t.dtype, data[pos++]) : build(d + 1);
    return out;
  };
  return build(0);
}

function formatNumber(v: number | boolean, isFloat: boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (!isFloat) return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-4 && v !== 0) ? v.toExponential(4) : v.toFixed(4);
}

/** A PyTorch-like printout: tensor([[...]], dtype=...). */
export function format(t: Tensor): string {
  if (t.isDisposed) return `tensor(<disposed>, shape=${formatShape(t.shape)}, dtype=${t.dtype})`;
  const isFloat = t.dtype.startsWith('float') || t.dtype === 'bfloat16';
  const limit = 1000;
  let body: string;
  if (t.numel() > limit) {
    body = `[... ${t.numel()} elements ...]`;
  } else {
    const render = (v: unknown, depth: number): string => {
      if (!Array.isArray(v)) return formatNumber(v as number | boolean, isFloat);
      const sep = depth === t.ndim - 1 ? ', ' : ',\n' + ' '.repeat(depth + 8);
      return `[${v.map((x) => render(x, depth + 1)).join(sep)}]`;
    };
    body = render(tolist(t), 0);
  }
  const extras: string[] = [];
  if (t.dtype !== 'float32' && t.dtype !== 'int64' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  if (t.numel() > limit || t.numel() === 0) extras.push(`size=${formatShape(t.shape)}`);
  if (t.gradFn) extras.push(`grad_fn=<${t.gradFn.name}Backward>`);
  else if (t.requiresGrad) extras.push('requires_grad=True');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
