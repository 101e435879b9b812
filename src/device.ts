/** Devices. The CPU backend is always there; CUDA is reported unavailable until its addon exists. */
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';
import { toDType } from './ops/views.js';

export class Device {
  constructor(readonly type: 'cpu' | 'cuda', readonly index: number | null = null) {}
  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }
}

export type DeviceLike = Device | string;
export const cpu = new Device('cpu');

/**
 * Parses a device string ('cpu', 'cuda', 'cuda:0').
 *
 * @example
 * const device = torch.device(torch.cuda.isAvailable() ? 'cuda' : 'cpu');
 */
export function device(spec: DeviceLike): Device {
  if (spec instanceof Device) return spec;
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(spec);
  if (!m) throw new TypeError(`Expected one of cpu, cuda device type at start of device string: ${spec}`);
  return new Device(m[1] as 'cpu' | 'cuda', m[2] === undefined ? null : Number(m[2]));
}

export const cuda = {
  /** False: this build has no CUDA backend. */
  isAvailable(): boolean {
    return false;
  },
  deviceCount(): number {
    return 0;
  },
};

const dtypes = new Set(['float32', 'float64', 'bfloat16', 'float16', 'int64', 'int32', 'uint8', 'bool']);

export function toDevice(t: Tensor, target: DType | DeviceLike, options: { dtype?: DType; copy?: boolean }): Tensor {
  if (typeof target === 'string' && dtypes.has(target)) return toDType(t, target as DType, options.copy);
  const d = device(target as DeviceLike);
  if (d.type === 'cuda') {
    throw new Error('CUDA is not available: antorcha has no GPU backend on this machine (torch.cuda.isAvailable() is false)');
  }
  const out = options.dtype ? toDType(t, options.dtype, options.copy) : t;
  return options.copy && out === t ? t.clone() : out;
}
