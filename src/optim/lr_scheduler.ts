/**
 * Learning-rate schedulers, as torch.optim.lr_scheduler in PyTorch 1.13: each writes `lr` (and, for
 * OneCycleLR, the momentum) into the optimizer's param groups. The chainable forms are followed formula for
 * formula, so the sequences equal PyTorch's to double rounding. Constructing a scheduler takes step 0 at once
 * (it records `initialLr` in each group and may change `lr`, as LinearLR and OneCycleLR do); call `step()`
 * after each `optimizer.step()`. State dicts use PyTorch's keys (`last_epoch`, `base_lrs`, `_last_lr`, ...).
 */
export { LRScheduler, type SchedulerOptions } from './lr_scheduler/base.js';
export * from './lr_scheduler/simple.js';
export * from './lr_scheduler/one_cycle.js';
export * from './lr_scheduler/plateau.js';
