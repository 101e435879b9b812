/**
 * Deterministic weights and inputs for the model-zoo tests, the same as tools/model_weights.py computes:
 * sin-based values whose phase comes from each state-dict key (FNV-1a), scaled as initialisation would.
 * Fixtures then hold only each model's outputs, not its weights.
 */
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { nn } from '../../src/index.js';

function phase(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return (h / 2 ** 32) * 2 * Math.PI;
}

/** The value of state-dict entry `name`, by tools/model_weights.py's formula_value. */
export function formulaValue(name: string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const ph = phase(name);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const s = Math.sin(k * 0.7 + ph);
    values[k] = leaf === 'running_var' ? 1 + 0.5 * s * s
      : leaf === 'running_mean' ? 0.1 * s
        : shape.length >= 2 ? s * (Math.sqrt(3) / Math.sqrt(fanIn))
          : leaf === 'weight' ? 1 + 0.1 * s
            : 0.1 * s;
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
