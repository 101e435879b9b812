/**
 * torch.amp: autocast regions, their op policy and dynamic loss scaling.
 *
 * @example
 * const scaler = new torch.amp.GradScaler();
 * const loss = torch.amp.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => lossFn(model.forward(x), y));
 * scaler.scale(loss).backward();
 * scaler.step(optimizer);
 * scaler.update();
 */
export {
  autocast, isAutocastEnabled, isAutocastCpuEnabled, getAutocastCpuDtype, getAutocastGpuDtype, isAutocastCacheEnabled,
  clearAutocastCache, type AutocastOptions, type AutocastDeviceType,
} from './autocast_mode.js';
export { GradScaler, type GradScalerOptions, type GradScalerStateDict, type Scalable } from './grad_scaler.js';
export { cpuPolicy, type CastPolicy, type AutocastOp } from './policy.js';
