/**
 * The `weights` option (strict loading with PyTorch's messages) and fine-tuning a loaded model: replacing
 * fc and freezing the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import { nn, optim } from '../../src/index.js';
import { models } from '../../src/models/index.js';

const dir = mkdtempSync(join(tmpdir(), 'antorcha-models-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function values(t: torch.Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);
}

/** Bitwise equality of two tensors' contents (fast enough for millions of elements). */
function sameBytes(a: torch.Tensor, b: torch.Tensor): boolean {
  const x = a.dataSync() as ArrayLike<number> & ArrayBufferView, y = b.dataSync() as ArrayLike<number> & ArrayBufferView;
  return a.dtype === b.dtype && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** A trained-looking checkpoint: resnet18 with 4 classes and non-default running statistics. */
function checkpoint(): Record<string, torch.Tensor> {
  torch.manualSeed(3);
  const m = models.resnet18({ numClasses: 4 });
  torch.noGrad(() => m.bn1.running_mean!.add_(0.5));
  return m.stateDict();
}

for (const ext of ['safetensors', 'pth']) {
  test(`weights: a .${ext} path loads every parameter and buffer`, () => {
    const sd = checkpoint();
    const path = join(dir, `resnet18.${ext}`);
    torch.save(sd, path);
    const m = models.resnet18({ numClasses: 4, weights: path });
    const got = m.stateDict();
    assert.deepEqual(Object.keys(got), Object.keys(sd));
    for (const [k, v] of Object.entries(sd)) assert.ok(sameBytes(got[k], v), k);
  });
}

test('weights: a state dict in memory loads too; a checkpoint without num_batches_tracked loads as in PyTorch', () => {
  const sd = checkpoint();
  const m = models.resnet18({ numClasses: 4, weights: sd });
  assert.deepEqual(values(m.fc.weight), values(sd['fc.weight']));
  const noCounters = Object.fromEntries(Object.entries(sd).filter(([k]) => !k.endsWith('num_batches_tracked')));
  const m2 = models.resnet18({ numClasses: 4, weights: noCounters });
  assert.deepEqual(values(m2.bn1.running_mean!), values(sd['bn1.running_mean']));
  assert.deepEqual(values(m2.bn1.num_batches_tracked!), [0]);
});

test('weights: missing, unexpected and mis-shaped keys fail with PyTorch\'s messages', () => {
  const sd = checkpoint();
  const missing = { ...sd };
  delete missing['layer1.0.conv1.weight'];
  assert.throws(() => models.resnet18({ numClasses: 4, weights: missing }), {
    message: 'Error(s) in loading state_dict for ResNet:\n\tMissing key(s) in state_dict: "layer1.0.conv1.weight". ',
  });
  assert.throws(() => models.resnet18({ numClasses: 4, weights: { ...sd, 'fc.extra': torch.zeros(1) } }), {
    message: 'Error(s) in loading state_dict for ResNet:\n\tUnexpected key(s) in state_dict: "fc.extra". ',
  });
  assert.throws(() => models.resnet18({ weights: sd }), /size mismatch for fc\.weight: copying a param with shape torch\.Size\(\[4, 512\]\) from checkpoint, the shape in current model is torch\.Size\(\[1000, 512\]\)/);
  assert.throws(() => models.resnet50({ numClasses: 4, weights: sd }), /^Error: Error\(s\) in loading state_dict for ResNet:\n\tMissing key\(s\) in state_dict: "layer1\.0\.conv3\.weight"/);
});

test('weights: a file that is not a flat state dict is refused with a clear error', () => {
  const path = join(dir, 'training.safetensors');
  torch.save({ model: { w: torch.zeros(2) }, epoch: 3 }, path);
  assert.throws(() => models.resnet18({ weights: path }), /does not hold a state dict/);
  assert.throws(() => models.alexnet({ weights: 42 as unknown as string }), /weights must be a checkpoint path/);
});

test('fine-tuning: freeze every parameter, replace fc; only the new fc learns', () => {
  const m = models.resnet18({ numClasses: 4, weights: checkpoint() });
  for (const p of m.parameters()) p.requiresGrad = false;
  m.fc = new nn.Linear(m.fc.inFeatures, 5);
  assert.deepEqual(m.stateDict()['fc.weight'].shape, [5, 512]);
  assert.equal(Object.keys(m.stateDict()).at(-1), 'fc.bias');
  const trainable = m.namedParameters().filter(([, p]) => p.requiresGrad).map(([k]) => k);
  assert.deepEqual(trainable, ['fc.weight', 'fc.bias']);

  const opt = new optim.SGD(m.fc.parameters(), { lr: 0.1 });
  const conv1 = m.conv1.weight.clone();
  const fc = m.fc.weight.clone();
  torch.tidy(() => {
    m.train();
    const loss = nn.functional.crossEntropy(m.forward(torch.randn(2, 3, 32, 32)), torch.tensor([1, 4]));
    loss.backward();
    opt.step();
  });
  assert.ok(m.conv1.weight.grad === null && m.layer4.parameters().every((p) => p.grad === null));
  assert.deepEqual(m.fc.weight.grad!.shape, [5, 512]);
  assert.ok(sameBytes(m.conv1.weight, conv1));
  assert.ok(!sameBytes(m.fc.weight, fc));
});
