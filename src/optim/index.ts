/**
 * torch.optim: optimizers that update parameters in place under noGrad, with state kept across memory
 * scopes, and the learning-rate schedulers under `optim.lrScheduler`.
 *
 * @example
 * import { optim } from 'antorcha';
 * const opt = new optim.AdamW(model.parameters(), { lr: 3e-4 });
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: epochs });
 */
export { Optimizer } from './optimizer.js';
export type { OptimizerOptions, ParamGroup, ParamGroupInput, Params, ParamState, OptimizerStateDict } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam } from './adam.js';
export type { AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export type { AdamWOptions } from './adamw.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions } from './rmsprop.js';
export * as lrScheduler from './lr_scheduler.js';
