/**
 * Autocast regions (torch.autocast): which device type autocasts, to which dtype, and whether the weight
 * cache is on. The state is a stack of regions on the one JavaScript thread; ops read it through
 * `amp/policy.ts`. Leaving the outermost region empties the cache of low-precision weight copies.
 */
import type { DType } from '../dtype.js';
import { cuda } from '../device.js';
import { clearCastCache } from './cache.js';

export type AutocastDeviceType = 'cpu' | 'cuda';

export interface AutocastOptions {
  /** 'cpu' (bfloat16 by default) or 'cuda' (float16 by default; disabled with a warning without CUDA). */
  deviceType: AutocastDeviceType;
  /** The low-precision dtype; CPU autocast supports bfloat16 only, as PyTorch 1.13. */
  dtype?: DType;
  /** false runs fn with autocast off for that device (a region inside a region). Default true. */
  enabled?: boolean;
  /** Cache low-precision copies of float32 weights inside the region. Default true. */
  cacheEnabled?: boolean;
}

interface DeviceState {
  enabled: boolean;
  dtype: DType;
}

const state: Record<AutocastDeviceType, DeviceState> = {
  cpu: { enabled: false, dtype: 'bfloat16' },
  cuda: { enabled: false, dtype: 'float16' },
};
let cacheEnabled = true;
let nesting = 0;

/** @internal The CPU state, read by every op that has an autocast policy (one property read when off). */
export const cpuAutocast: Readonly<DeviceState> = state.cpu;

/**
 * Whether autocast is on for a device type; the default 'cuda' is PyTorch's torch.is_autocast_enabled().
 *
 * @example
 * torch.autocast({ deviceType: 'cpu' }, () => torch.isAutocastEnabled('cpu')); // true
 */
export function isAutocastEnabled(deviceType: AutocastDeviceType = 'cuda'): boolean {
  return state[deviceType].enabled;
}
/**
 * torch.is_autocast_cpu_enabled
 *
 * @example
 * if (torch.isAutocastCpuEnabled()) console.log(torch.getAutocastCpuDtype()); // 'bfloat16'
 */
export function isAutocastCpuEnabled(): boolean {
  return state.cpu.enabled;
}
/** torch.get_autocast_cpu_dtype: the dtype CPU autocast casts to (bfloat16 unless a region set another). */
export function getAutocastCpuDtype(): DType {
  return state.cpu.dtype;
}
/** torch.get_autocast_gpu_dtype */
export function getAutocastGpuDtype(): DType {
  return state.cuda.dtype;
}
/** torch.is_autocast_cache_enabled */
export function isAutocastCacheEnabled(): boolean {
  return cacheEnabled;
}
/** torch.clear_autocast_cache: drops the cached low-precision weight copies now. */
export function clearAutocastCache(): void {
  clearCastCache();
}

function warn(message: string): void {
  process.emitWarning(message, 'UserWarning');
}

/** The region's settings after PyTorch's checks (which disable rather than fail). */
function resolve(options: AutocastOptions): { deviceType: AutocastDeviceType; enabled: boolean; dtype: DType; cache: boolean } {
  const deviceType = options.deviceType;
  if (deviceType !== 'cpu' && deviceType !== 'cuda') {
    throw new RangeError(`User specified autocast device_type must be 'cuda' or 'cpu', but got ${String(deviceType)}`);
  }
  const dtype = options.dtype ?? (deviceType === 'cpu' ? 'bfloat16' : 'float16');
  let enabled = options.enabled ?? true;
  if (enabled && deviceType === 'cpu' && dtype !== 'bfloat16') {
    warn('In CPU autocast, but the target dtype is not supported. Disabling autocast.\n' +
      'CPU Autocast only supports dtype of torch.bfloat16 currently.');
    enabled = false;
  }
  if (enabled && deviceType === 'cuda' && !cuda.isAvailable()) {
    warn("User provided device_type of 'cuda', but CUDA is not available. Disabling");
    enabled = false;
  }
  return { deviceType, enabled, dtype, cache: options.cacheEnabled ?? cacheEnabled };
}

/**
 * Runs fn inside an autocast region (torch.autocast): ops with an autocast policy (matrix products and
 * convolutions in the low-precision dtype; losses and a few others in float32; see amp/policy.ts) cast
 * their inputs. Regions nest; `enabled: false` turns autocast off inside one. The previous state comes back
 * when fn returns or throws. A synchronous fn's value is returned as is; when fn returns a promise, the
 * region stays active until it settles and the promise is returned: the state is global to the thread, so
 * code that runs meanwhile (other callbacks) autocasts too, and overlapping async regions must not be
 * interleaved.
 *
 * @example
 * const loss = await torch.amp.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () =>
 *   lossFn(model.forward(x), y));
 */
export function autocast<T>(options: AutocastOptions, fn: () => T): T {
  const { deviceType, enabled, dtype, cache } = resolve(options);
  const device = state[deviceType];
  const saved = { enabled: device.enabled, dtype: device.dtype, cache: cacheEnabled };
  device.enabled = enabled;
  device.dtype = dtype;
  cacheEnabled = cache;
  nesting++;
  const exit = (): void => {
    device.enabled = saved.enabled;
    device.dtype = saved.dtype;
    cacheEnabled = saved.cache;
    // Cached copies must not outlive the outermost region (PyTorch's clear_cache on exit).
    if (--nesting === 0) clearCastCache();
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    exit();
    throw err;
  }
  if (result instanceof Promise) {
    return result.finally(exit) as T;
  }
  exit();
  return result;
}
