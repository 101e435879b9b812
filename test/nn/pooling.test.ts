/** Pooling layers (native pooling) vs PyTorch: forward, input and parameter gradients, state after the steps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { layersOf, runLayerCase, poolClasses } from './fixture.js';

const F = torch.nn.functional;

for (const c of layersOf(poolClasses)) {
  test(`${c.name} matches PyTorch`, () => runLayerCase(c));
}

// The native pooling loops take any strides; the CNN layers hand them channels-last activations. The
// arithmetic is the same in both layouts, so results must agree exactly with the NCHW path (whose PyTorch
// parity the fixtures above check), including the cells no window covers.
test('pooling gives the same values and input gradients for channels-last inputs', () => {
  const configs: [string, (x: torch.Tensor) => torch.Tensor][] = [
    ['max 2/2 with a remainder row and column', (x) => F.maxPool2d(x, 2)],
    ['max 2/2 ceil mode', (x) => F.maxPool2d(x, 2, { ceilMode: true })],
    ['max 3/2 padded (overlapping windows)', (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 })],
    ['avg 2/2', (x) => F.avgPool2d(x, 2)],
  ];
  for (const [name, pool] of configs) {
    torch.tidy(() => {
      torch.manualSeed(3);
      const base = torch.randn([2, 5, 7, 5]);
      const nchw = base.clone().requiresGrad_(true);
      const cl = base.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).requiresGrad_(true);
      assert.deepEqual(cl.stride(), [175, 1, 25, 5]);
      const w = torch.randn(pool(base).shape);
      pool(nchw).mul(w).sum().backward();
      pool(cl).mul(w).sum().backward();
      assert.deepEqual(pool(cl).tolist(), pool(nchw).tolist(), `${name}: forward`);
      assert.deepEqual(cl.grad!.tolist(), nchw.grad!.tolist(), `${name}: input gradient`);
    });
  }
});

test('channels-last max pooling of 16-bit floats passes each window\'s gradient through bit for bit', () => {
  for (const dtype of ['bfloat16', 'float16'] as const) {
    torch.tidy(() => {
      torch.manualSeed(4);
      // 40 channels: the vectorised body and a remainder; 7x5 leaves a row and a column outside every window.
      const base = torch.randn([2, 40, 7, 5]).to(dtype);
      const cl = base.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).requiresGrad_(true);
      const wide = base.float().requiresGrad_(true);
      const w = torch.randn([2, 3, 2, 40]).to(dtype).permute(0, 3, 1, 2);  // channels-last, as the input
      F.maxPool2d(cl, 2).backward(w);
      F.maxPool2d(wide, 2).backward(w.float());
      // The float32 pass picks the same maxima (the inputs are exact in float32), so its gradient is exact too.
      assert.equal(cl.grad!.dtype, dtype);
      assert.deepEqual(cl.grad!.float().tolist(), wide.grad!.tolist(), dtype);
    });
  }
});

test('max pooling writes no indices when no gradient will need them, and the same values either way', () => {
  torch.tidy(() => {
    const x = torch.randn([2, 3, 8, 8]);
    const before = torch.memory().numBytes;
    const y = torch.noGrad(() => F.maxPool2d(x, 2));
    assert.equal(torch.memory().numBytes - before, 2 * 3 * 4 * 4 * 4, 'only the float32 output was allocated');
    const xg = x.clone().requiresGrad_(true);
    const yg = F.maxPool2d(xg, 2);
    assert.deepEqual(yg.tolist(), y.tolist());
    yg.sum().backward();
    assert.equal(xg.grad!.sum().item(), 2 * 3 * 4 * 4, 'one unit of gradient per window');
  });
});
