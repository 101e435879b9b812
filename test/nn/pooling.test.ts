/** Pooling layers (native pooling) vs PyTorch: forward, input and parameter gradients, state after the steps. */
import { test } from 'node:test';
import { layersOf, runLayerCase, poolClasses } from './fixture.js';

for (const c of layersOf(poolClasses)) {
  test(`${c.name} matches PyTorch`, () => runLayerCase(c));
}
