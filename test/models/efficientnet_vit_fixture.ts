/**
 * Shared part of the EfficientNet and ViT tests: test/fixtures/models_effvit.json (tools/gen_models_fixtures_effvit.py)
 * holds, for each torchvision model filled with the formula weights, its state-dict keys and shapes in order and
 * its eval logits on the formula input.
 */
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import * as torch from '../../src/index.js';
import type { Tensor, nn } from '../../src/index.js';
import { loadFixture, type EncodedTensor } from '../helpers.js';
import { fillFormula, formulaInput } from './formula_weights.js';

export interface ModelCase {
  name: string;
  inputShape: number[];
  numKeys: number;
  /** 'key d0,d1,...' lines, zlib-compressed, base64. */
  keysZlib: string;
  numParameters: number;
  logits: EncodedTensor;
  /** max |float32 logits − float64 logits| in PyTorch itself. */
  float32Noise: number;
}

export interface LayerCase {
  name: string;
  state: Record<string, EncodedTensor>;
  input: EncodedTensor;
  output: EncodedTensor;
  gradOutput: EncodedTensor;
  inputGrad: EncodedTensor;
  paramGrads: Record<string, EncodedTensor>;
}

export const fixture = loadFixture<{ models: ModelCase[]; layers: LayerCase[] }>('models_effvit.json');

export function modelCase(name: string): ModelCase {
  const c = fixture.models.find((m) => m.name === name);
  assert.ok(c, `no fixture for ${name}`);
  return c;
}

/** torchvision's keys and shapes, in order, as 'key [d0, d1]' lines. */
export function expectedKeys(c: ModelCase): string[] {
  const text = inflateSync(Buffer.from(c.keysZlib, 'base64')).toString('utf8');
  return text.split('\n').map((line) => {
    const [key, dims] = line.split(' ');
    return `${key} [${dims === '' ? '' : dims.split(',').join(', ')}]`;
  });
}

export const keysOf = (m: nn.Module): string[] => Object.entries(m.stateDict()).map(([k, t]) => `${k} [${t.shape.join(', ')}]`);

export interface LogitError {
  maxAbs: number;
  maxRel: number;
  maxLogit: number;
}

/**
 * Fills the model with the formula weights, runs it in eval mode on the formula input and compares the logits
 * with torchvision's elementwise: |a − b| ≤ atol + rtol |b|, rtol 1e-4. atol is 1e-5 of the largest |logit|:
 * float32 rounding accumulates with the size of the activations, not of each logit, so logits near zero carry
 * the absolute error of the large ones (PyTorch's own float32 run is off its float64 run by up to 2.5e-6 of
 * the largest logit on these models). Returns the measured errors.
 */
export function checkLogits(model: nn.Module, c: ModelCase): LogitError {
  fillFormula(model);
  model.eval();
  return torch.tidy(() => {
    const logits = torch.noGrad(() => model.forward(formulaInput(c.inputShape)) as Tensor);
    assert.deepEqual(logits.shape, c.logits.shape, 'logits shape');
    const got = Array.from(logits.dataSync() as Float32Array);
    const want = c.logits.data.map((v) => Math.fround(v as number));
    const maxLogit = Math.max(...want.map(Math.abs));
    const rtol = 1e-4, atol = 1e-5 * maxLogit;
    let maxAbs = 0, maxRel = 0, worst = '';
    want.forEach((b, i) => {
      const err = Math.abs(got[i] - b);
      maxAbs = Math.max(maxAbs, err);
      if (b !== 0) maxRel = Math.max(maxRel, err / Math.abs(b));
      if (!(err <= atol + rtol * Math.abs(b)) && worst === '') worst = `logit ${i}: got ${got[i]}, expected ${b}`;
    });
    assert.equal(worst, '', `${c.name}: ${worst} (rtol ${rtol}, atol ${atol.toExponential(2)}; max abs error ${maxAbs.toExponential(2)})`);
    return { maxAbs, maxRel, maxLogit };
  });
}

/** Frees a model's parameters and buffers (the big models hold hundreds of MB of native memory). */
export function release(model: nn.Module): void {
  for (const t of [...model.parameters(), ...model.buffers()]) if (!t.isDisposed) t.dispose();
}
