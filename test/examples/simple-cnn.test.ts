import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { SimpleCNN, main } from '../../examples/simple-cnn.js';

// PyTorch's keys and shapes for the same model (torch 1.13: nn.Module with these two attributes).
const PYTORCH_STATE = {
  'features.0.weight': [32, 3, 3, 3], 'features.0.bias': [32],
  'features.1.weight': [32], 'features.1.bias': [32], 'features.1.running_mean': [32], 'features.1.running_var': [32],
  'features.1.num_batches_tracked': [],
  'features.4.weight': [64, 32, 3, 3], 'features.4.bias': [64],
  'features.5.weight': [64], 'features.5.bias': [64], 'features.5.running_mean': [64], 'features.5.running_var': [64],
  'features.5.num_batches_tracked': [],
  'features.8.weight': [128, 64, 3, 3], 'features.8.bias': [128],
  'features.9.weight': [128], 'features.9.bias': [128], 'features.9.running_mean': [128], 'features.9.running_var': [128],
  'features.9.num_batches_tracked': [],
  'classifier.weight': [10, 128], 'classifier.bias': [10],
};

test('the example runs a forward pass and one Adam step: logits [N, 10], a finite loss', () => {
  const printed: string[] = [];
  const { outputShape, loss, model } = main({ batchSize: 4, log: (l) => printed.push(l) });
  assert.deepEqual(outputShape, [4, 10]);
  assert.ok(Number.isFinite(loss) && loss > 0);
  assert.match(printed.join('\n'), /input +\[4,3,32,32\][\s\S]*logits +\[4,10\][\s\S]*loss +\d+\.\d{4}/);
  assert.equal(model.features[1].training, true);
  torch.tidy(() => {
    const sd = model.stateDict();
    assert.equal(sd['features.1.num_batches_tracked'].item(), 1, 'one training step updated the batch-norm statistics');
  });
});

test('SimpleCNN\'s state dict has PyTorch\'s keys, order and shapes, and 94,986 parameters', () => {
  torch.manualSeed(0);
  const model = torch.tidy(() => new SimpleCNN());
  torch.tidy(() => {
    const sd = model.stateDict();
    assert.deepEqual(Object.keys(sd), Object.keys(PYTORCH_STATE));
    for (const [key, shape] of Object.entries(PYTORCH_STATE)) assert.deepEqual(sd[key].shape, shape, key);
    assert.equal(sd['features.1.num_batches_tracked'].dtype, 'int64');
  });
  assert.equal(model.parameters().reduce((n, p) => n + p.numel(), 0), 94_986);
});

test('SimpleCNN(1, 10) takes Fashion-MNIST-sized images in eval mode', () => {
  const model = torch.tidy(() => new SimpleCNN(1, 10)).eval();
  const shape = torch.tidy(() => torch.noGrad(() => model.forward(torch.randn(2, 1, 28, 28)).shape));
  assert.deepEqual(shape, [2, 10]);
  assert.deepEqual(torch.tidy(() => model.stateDict()['features.0.weight'].shape), [32, 1, 3, 3]);
});
