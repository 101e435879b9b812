/** Conv1d and Conv2d (native convolution) vs PyTorch: forward, input and parameter gradients, state after the steps. */
import { test } from 'node:test';
import { layersOf, runLayerCase, convClasses } from './fixture.js';

for (const c of layersOf(convClasses)) {
  test(`${c.name} matches PyTorch`, () => runLayerCase(c));
}
