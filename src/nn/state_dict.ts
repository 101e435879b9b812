/**
 * stateDict / loadStateDict with PyTorch's keys, order and error messages, so checkpoints written by
 * PyTorch load unchanged.
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad_mode.js';
import { Module } from './module.js';

/** Name → tensor, in PyTorch's order (a plain object: `sd['fc.weight']`). */
export type StateDict = Record<string, Tensor>;

/** What loadStateDict found (PyTorch's _IncompatibleKeys). */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Parameters then persistent buffers of each module, then its children, recursively (PyTorch's order).
 * A module held twice appears under both names, as in PyTorch; a child that is its own ancestor (a cycle
 * through a back-reference) is skipped instead of recursing forever.
 */
function entries(module: Module, prefix: string, into: [string, Tensor][], ancestors: Set<Module> = new Set()): void {
  for (const [name, p] of module.ownParameters()) into.push([prefix + name, p]);
  for (const [name, b] of module.ownBuffers(true)) into.push([prefix + name, b]);
  ancestors.add(module);
  for (const [name, child] of Object.entries(module as unknown as Record<string, unknown>)) {
    if (child instanceof Module && !ancestors.has(child)) entries(child, `${prefix}${name}.`, into, ancestors);
  }
  ancestors.delete(module);
}

export function stateDictOf(module: Module, prefix: string, keepVars: boolean): StateDict {
  const list: [string, Tensor][] = [];
  entries(module, prefix, list);
  const out: StateDict = {};
  for (const [key, t] of list) out[key] = keepVars ? t : t.detach();
  return out;
}

// PyTorch prints shapes as torch.Size([...]) in these messages; the same text here, so searches for them find both.
const shapeText = (shape: readonly number[]) => `torch.Size([${shape.join(', ')}])`;

export function loadStateDictInto(module: Module, source: StateDict | Map<string, Tensor>, strict: boolean): LoadResult {
  const given = source instanceof Map ? source : new Map(Object.entries(source));
  const own: [string, Tensor][] = [];
  entries(module, '', own);
  const ownKeys = new Set(own.map(([k]) => k));
  const missingKeys: string[] = [];
  const errors: string[] = [];
  const copies: [Tensor, Tensor][] = [];
  for (const [key, target] of own) {
    const value = given.get(key);
    if (value === undefined) {
      missingKeys.push(key);
      continue;
    }
    if (value.shape.join() !== target.shape.join()) {
      errors.push(
        `size mismatch for ${key}: copying a param with shape ${shapeText(value.shape)} from checkpoint, ` +
          `the shape in current model is ${shapeText(target.shape)}.`,
      );
      continue;
    }
    copies.push([target, value]);
  }
  const unexpectedKeys = [...given.keys()].filter((k) => !ownKeys.has(k));
  if (strict) {
    if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
    if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
  }
  if (errors.length > 0) {
    // NOTE: nothing is copied when loading fails, so a failed load never leaves a half-loaded model.
    throw new Error(`Error(s) in loading state_dict for ${module.constructor.name}:\n\t${errors.join('\n\t')}`);
  }
  noGrad(() => {
    for (const [target, value] of copies) if (target !== value) target.copy_(value);
  });
  return { missingKeys, unexpectedKeys };
}
