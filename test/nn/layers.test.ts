/** Layers that are TypeScript composites (linear, activations, dropout, flatten, norms, embedding) vs PyTorch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchNormClasses, convClasses, fixture, poolClasses, runLayerCase } from './fixture.js';

const native = new Set([...convClasses, ...poolClasses, ...batchNormClasses]);

for (const c of fixture.layers.filter((l) => !native.has(l.cls))) {
  test(`${c.name} matches PyTorch (forward, input and parameter gradients)`, () => runLayerCase(c));
}

test('every fixture layer class is run by one of the nn test files', () => {
  const composite = ['Linear', 'Identity', 'Flatten', 'Unflatten', 'ReLU', 'ReLU6', 'Hardtanh', 'LeakyReLU', 'ELU', 'GELU',
    'SiLU', 'Mish', 'Softplus', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'Softmin', 'Dropout', 'Dropout2d', 'LayerNorm',
    'GroupNorm', 'Embedding'];
  const covered = new Set([...composite, ...native]);
  const missing = [...new Set(fixture.layers.map((l) => l.cls))].filter((c) => !covered.has(c));
  assert.deepEqual(missing, []);
  const unused = composite.filter((c) => !fixture.layers.some((l) => l.cls === c));
  assert.deepEqual(unused, [], 'composite classes without a fixture');
});
