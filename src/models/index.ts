/**
 * antorcha/models: torchvision's architectures with torchvision's state-dict layout, so its checkpoints
 * load unchanged, and the preprocessing their weights expect. Everything is also reachable as `models.*`.
 *
 * @example
 * import { models } from 'antorcha/models';
 * const m = models.resnet50({ weights: 'resnet50.pth' });
 * for (const p of m.parameters()) p.requiresGrad = false;
 * m.fc = new nn.Linear(m.fc.inFeatures, 5);
 * const preprocess = new models.ImageClassification({ cropSize: 224 });
 */
export * as models from './index.js';
export * from './weights.js';
export * from './weights_registry.js';
export * from './presets.js';
export * from './alexnet.js';
export * from './resnet.js';
export * from './efficientnet.js';
export * from './vit.js';
