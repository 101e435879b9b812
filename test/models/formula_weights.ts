/**
 * Deterministic weights and inputs for the model-zoo tests, the same as tools/model_weights.py computes:
 * hashed uniform values seeded by each state-dict key (FNV-1a), scaled as initialisation would.
 * Fixtures then hold only each model's outputs, not its weights.
 */
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { nn } from '../../src/index.js';

function nameSeed(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** tools/model_weights.py's uniform: murmur3's finaliser of k * 0x9E3779B1 + seed, mapped to [-1, 1). */
function uniform(k: number, seed: number): number {
  let h = (Math.imul(k, 0x9e3779b1) + seed) >>> 0;
  // `^` yields a signed 32-bit result: >>> 0 keeps every step unsigned, as numpy's uint64 & 0xFFFFFFFF.
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (h / 2 ** 32) * 2 - 1;
}

/** The value of state-dict entry `name`, by tools/model_weights.py's formula_value. */
export function formulaValue(name: string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const seed = nameSeed(name);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  // value = offset + gain * s (or 1 + 0.5 s² for running variances), the rule chosen once per entry.
  const [offset, gain] = leaf === 'running_mean' ? [0, 0.1]
    : shape.length >= 2 ? [0, Math.sqrt(6 / fanIn)]
      : leaf === 'weight' ? [0.5, 0.1]
        : [0, 0.1];
  const values = new Float32Array(n);
  if (leaf === 'running_var') {
    for (let k = 0; k < n; k++) { const s = uniform(k, seed); values[k] = 1 + 0.5 * s * s; }
  } else {
    for (let k = 0; k < n; k++) values[k] = offset + gain * uniform(k, seed);
  }
  return torch.tensor(values).reshape(shape);
}

/** Loads formula values into every floating entry of model's state dict; integer counters become 0. */
export function fillFormula(model: nn.Module): void {
  const state: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    state[name] = t.dtype === 'float32' || t.dtype === 'float64' ? formulaValue(name, t.shape.slice()) : torch.zeros(t.shape.slice(), { dtype: t.dtype });
  }
  model.loadStateDict(state);
}

/** tools/model_weights.py's formula_input: 0.5 sin(0.37 k + 0.1) + 0.1 cos(0.011 k). */
export function formulaInput(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let k = 0; k < n; k++) values[k] = 0.5 * Math.sin(k * 0.37 + 0.1) + 0.1 * Math.cos(k * 0.011);
  return torch.tensor(values).reshape(shape);
}
