/**
 * antorcha: PyTorch's API in TypeScript, on a native oneDNN backend.
 *
 * @example
 * import * as torch from 'antorcha';
 * const x = torch.randn([64, 10], { requiresGrad: true });
 * x.relu().sum().backward();
 */
import { addon } from './backend/native.js';
import { grad as autogradGrad } from './autograd/engine.js';
import { gradcheck } from './autograd/gradcheck.js';
import { backward as engineBackward } from './autograd/engine.js';
import type { Tensor } from './tensor.js';
import { cuda as cudaDevice } from './device.js';
import { autocast as ampAutocast, GradScaler, type AutocastOptions } from './amp/index.js';

export { Tensor } from './tensor.js';
export type { TensorOrScalar, Dims } from './tensor.js';
export type { DType } from './dtype.js';
export { promoteTypes, resultType, getDefaultDType, setDefaultDType, isFloating } from './dtype.js';
export {
  tensor, empty, zeros, ones, full, arange, linspace, eye, rand, randn, randint, randperm, manualSeed,
  zerosLike, onesLike, fullLike, emptyLike, randLike, randnLike, randintLike,
} from './ops/creation.js';
export type { TensorOptions, TensorData } from './ops/creation.js';
export * from './functional.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad_mode.js';
export { tidy, keep, dispose, memory, emptyCache, startScope, endScope, scope } from './memory/scope.js';
export type { MemoryInfo } from './memory/scope.js';
export { device, Device } from './device.js';
export * as amp from './amp/index.js';
export {
  autocast, isAutocastEnabled, isAutocastCpuEnabled, getAutocastCpuDtype, getAutocastGpuDtype, isAutocastCacheEnabled,
  clearAutocastCache,
} from './amp/index.js';
export { linear } from './ops/linalg.js';
export * as optim from './optim/index.js';
export * as nn from './nn/index.js';
export * as hub from './hub/index.js';
export { save, load, SafetensorsError, safetensors, PthError, pth } from './io/index.js';
export type { Saveable, SaveOptions } from './io/index.js';

/**
 * torch.cuda: whether a GPU backend is there (not in this build) and torch.cuda.amp (GradScaler, and autocast
 * for 'cuda', which disables itself with a warning without CUDA, as in PyTorch).
 *
 * @example
 * const device = torch.device(torch.cuda.isAvailable() ? 'cuda' : 'cpu');
 */
export const cuda = {
  ...cudaDevice,
  amp: {
    GradScaler,
    autocast: <T>(options: Omit<AutocastOptions, 'deviceType'>, fn: () => T): T => ampAutocast({ ...options, deviceType: 'cuda' }, fn),
  },
};

/** torch.autograd: grad(), backward() and gradcheck(). */
export const autograd = {
  grad: autogradGrad,
  backward: (tensors: Tensor | Tensor[], grads?: Tensor[] | null, options?: { retainGraph?: boolean; createGraph?: boolean }) => {
    engineBackward(Array.isArray(tensors) ? tensors : [tensors], grads ?? null, options);
  },
  gradcheck,
};

/**
 * Sets the number of threads the native kernels use (oneDNN and the elementwise loops share one OpenMP team).
 *
 * @example
 * torch.setNumThreads(2);
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads expects a positive integer, got ${n}`);
  addon.setNumThreads(n);
}

export function getNumThreads(): number {
  return addon.getNumThreads();
}
