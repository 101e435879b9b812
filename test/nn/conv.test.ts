/** Conv1d and Conv2d (native convolution) vs PyTorch: forward, input and parameter gradients, state after the steps. */
import { test } from 'node:test';
import { toChannelsLast } from '../../src/ops/conv.js';
import { layersOf, runLayerCase, convClasses } from './fixture.js';

for (const c of layersOf(convClasses)) {
  test(`${c.name} matches PyTorch`, () => runLayerCase(c));
}

// The same cases with channels-last inputs (the layout the CNN ops hand to the next convolution): the weight
// gradient's unfolding then copies whole channel runs instead of gathering strided values.
for (const c of layersOf(['Conv2d']).filter((c) => c.steps.every((s) => s.input.shape.length === 4))) {
  test(`${c.name} with a channels-last input matches PyTorch`, () => runLayerCase(c, toChannelsLast));
}
