/** BatchNorm1d and BatchNorm2d (native batch norm): train and eval, running statistics vs PyTorch: forward, input and parameter gradients, state after the steps. */
import { test } from 'node:test';
import { layersOf, runLayerCase, batchNormClasses } from './fixture.js';

for (const c of layersOf(batchNormClasses)) {
  test(`${c.name} matches PyTorch`, () => runLayerCase(c));
}
