/**
 * The `weights` option of the model builders: a checkpoint path (anything torch.load reads) or a state dict,
 * loaded strictly so that a checkpoint of another architecture fails with PyTorch's message.
 */
import { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { load } from '../io/checkpoint.js';
import type { Module } from '../nn/module.js';
import type { StateDict } from '../nn/state_dict.js';
import { BatchNormBase } from '../nn/modules/batchnorm.js';
import { cachedFile } from '../hub/index.js';
import { isWeightsEntry, type WeightsEntry } from './weights_registry.js';

/**
 * A checkpoint path ('resnet50.pth', 'resnet50.safetensors'), a state dict already in memory, or a registry
 * entry (`models.ResNet50_Weights.IMAGENET1K_V2`: downloaded once into the hub cache, hash-checked).
 */
export type WeightsSource = string | StateDict | Map<string, Tensor> | WeightsEntry;

/** Options every model builder takes. */
export interface BuilderOptions {
  /** Pretrained weights: a checkpoint path or a state dict, loaded strictly. Default: none (random init). */
  weights?: WeightsSource | null;
}

function isTensorRecord(v: unknown): v is StateDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor)
    && Object.values(v).every((t) => t instanceof Tensor);
}

/** Reads a checkpoint file as a flat state dict (name → tensor), with a clear error for anything else. */
function readStateDict(path: string): StateDict {
  const contents = load(path);
  if (contents instanceof Map && [...contents.values()].every((t) => t instanceof Tensor)) return Object.fromEntries(contents);
  if (isTensorRecord(contents)) return contents;
  throw new TypeError(`${path} does not hold a state dict (a flat mapping from parameter names to tensors)`);
}

/**
 * PyTorch's BatchNorm accepts a checkpoint without `num_batches_tracked` when the checkpoint carries no
 * module versions (plain dicts, safetensors files, checkpoints older than the counter) and sets the counter
 * to 0; the same here, so those checkpoints load strictly as they do in PyTorch.
 */
function addMissingBatchCounters(model: Module, given: Map<string, Tensor>): Tensor[] {
  const added: Tensor[] = [];
  for (const [name, m] of model.namedModules()) {
    if (!(m instanceof BatchNormBase) || !m.trackRunningStats) continue;
    const key = name === '' ? 'num_batches_tracked' : `${name}.num_batches_tracked`;
    if (given.has(key)) continue;
    const counter = tensor(0, { dtype: 'int64' });
    given.set(key, counter);
    added.push(counter);
  }
  return added;
}

/**
 * Loads `weights` into `model` strictly (missing, unexpected and mis-shaped keys fail with PyTorch's
 * message, and nothing is copied then); returns the model. Tensors read from a file are freed afterwards.
 *
 * @example
 * const m = loadWeights(new ResNet(Bottleneck, [3, 4, 6, 3]), 'resnet50.pth');
 */
export function loadWeights<M extends Module>(model: M, weights: WeightsSource): M {
  const fromFile = typeof weights === 'string' || isWeightsEntry(weights);
  let source: Map<string, Tensor>;
  if (typeof weights === 'string') source = new Map(Object.entries(readStateDict(weights)));
  else if (isWeightsEntry(weights)) source = new Map(Object.entries(readStateDict(cachedFile(weights.url, { sha256: weights.sha256 }))));
  else if (weights instanceof Map) source = new Map(weights);
  else if (isTensorRecord(weights)) source = new Map(Object.entries(weights));
  else throw new TypeError('weights must be a checkpoint path, a state dict (parameter name → Tensor) or a weights entry');
  const added = addMissingBatchCounters(model, source);
  try {
    model.loadStateDict(source);
  } finally {
    for (const t of added) t.dispose();
    if (fromFile) for (const t of source.values()) if (!t.isDisposed) t.dispose();
  }
  return model;
}
