/** The default generator reproduces PyTorch's CPU streams after manualSeed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { loadFixture, mismatch, type EncodedTensor } from '../helpers.js';

interface Stream { name: string; seed: number; first: EncodedTensor; second: EncodedTensor }
const { streams } = loadFixture<{ streams: Stream[] }>('random.json');

const makers: Record<string, () => Tensor> = {
  rand: () => torch.rand(7),
  'randn-small': () => torch.randn(5),
  'randn-large': () => torch.randn(37),
  randint: () => torch.randint(0, 10, [9]),
  'rand-f64': () => torch.rand(4, { dtype: 'float64' }),
  'randn-f64': () => torch.randn(3, { dtype: 'float64' }),
};

for (const s of streams) {
  test(`manualSeed(${s.seed}) then ${s.name} matches PyTorch`, () => {
    torch.manualSeed(s.seed);
    // rand and randint are bit-identical; randn agrees to float rounding (PyTorch vectorises its log/cos).
    const exact = { rtol: 0, atol: 0 }, close = { rtol: 1e-6, atol: 1e-6 };
    const tol = s.name.startsWith('randn') ? close : exact;
    assert.equal(mismatch(makers[s.name](), s.first, tol), null);
    assert.equal(mismatch(makers[s.name](), s.second, tol), null);
  });
}

test('the same seed gives the same numbers', () => {
  torch.manualSeed(7);
  const a = torch.randn(100).tolist();
  torch.manualSeed(7);
  assert.deepEqual(torch.randn(100).tolist(), a);
});
