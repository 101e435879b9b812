/**
 * The lesson's transfer learning: frozen parameters stay bit-identical and get no gradient, the new head
 * learns, and the frozen backbone's forward keeps no graph (so its backward costs nothing); the runnable
 * pieces (one-channel ResNet-18, class slices) and `antorcha finetune` end to end on a tiny data set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { classesSlice, fashionResNet18, freezeAndReplaceHead, transferLearning } from '../../examples/transfer-learning.js';
import { finetune } from '../../src/cli/finetune.js';
import { ampLabel } from '../../src/cli/train_loop.js';
import { makeTinyFashionMnist } from '../cli/tiny_fashion.js';

const snapshot = (m: nn.Module) => new Map([...m.namedParameters()].map(([k, p]) => [k, Float32Array.from(p.dataSync() as Float32Array)]));

test('the lesson program: a frozen ResNet-50 with a new fc; one Adam step changes only fc', () => {
  torch.manualSeed(0);
  const { model, optimizer } = transferLearning(null, 5);
  assert.equal(model.fc.outFeatures, 5);
  assert.equal(model.fc.inFeatures, 2048);
  const before = snapshot(model);
  model.train();
  torch.tidy(() => {
    const x = torch.randn([2, 3, 64, 64]);
    const loss = new nn.CrossEntropyLoss().forward(model.forward(x), torch.tensor([1, 3], { dtype: 'int64' }));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  });
  for (const [k, p] of model.namedParameters()) {
    const now = p.dataSync() as Float32Array;
    const same = before.get(k)!.every((v, i) => Object.is(v, now[i]));
    if (k.startsWith('fc.')) {
      assert.ok(!same, `${k} should have been updated`);
      assert.ok(p.grad !== null);
    } else {
      assert.ok(same, `${k} must stay bit-identical`);
      assert.equal(p.grad, null, `${k} must get no gradient`);
    }
  }
  torch.dispose([model.parameters(), model.buffers()]);
});

test('a frozen backbone records no graph: the forward keeps only what the new head needs', () => {
  torch.manualSeed(0);
  const model = fashionResNet18(5);
  model.train();
  const x = torch.randn([32, 1, 28, 28]);
  // Bytes still held once the forward's scope has ended: the logits plus what the graph saved for the backward.
  const kept = () => {
    const base = torch.memory().numBytes;
    const logits = torch.tidy(() => model.forward(x));
    const held = torch.memory().numBytes - base;
    assert.equal(logits.requiresGrad, true);
    torch.tidy(() => logits.sum().backward()); // frees the graph
    logits.dispose();
    return held;
  };
  const full = kept();
  freezeAndReplaceHead(model, 5);
  const frozen = kept();
  // Trainable: every layer's activations are saved for the backward (megabytes at this batch); frozen: the
  // activations die with the forward's scope, and only the head's input [32, 256] and the logits [32, 5] remain.
  assert.ok(full > 4 * 1024 * 1024, `full model kept ${full} bytes`);
  assert.equal(frozen, (32 * 256 + 32 * 5) * 4, 'frozen backbone: only the head input and the logits');
  torch.dispose([x, model.parameters(), model.buffers()]);
});

test('classesSlice keeps the chosen classes and shifts their labels to start at 0', () => {
  torch.tidy(() => {
    const images = torch.arange(6).float().view([6, 1, 1, 1]);
    const labels = torch.tensor([0, 7, 5, 9, 4, 6], { dtype: 'int64' });
    const [x, y] = classesSlice(images, labels, 5, 9);
    assert.deepEqual(x.view(-1).tolist(), [1, 2, 3, 5]);
    assert.deepEqual(y.tolist(), [2, 0, 4, 1]);
  });
});

/** Runs fn on a tiny Fashion-MNIST folder and an output folder, both removed afterwards. */
async function inScratch(train: number, test: number, fn: (root: string, out: string) => Promise<void>): Promise<void> {
  const root = makeTinyFashionMnist(train, test);
  const out = mkdtempSync(join(tmpdir(), 'finetune-'));
  try {
    await fn(root, out);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

test('antorcha finetune: pre-trains, saves backbone.pth, trains the head on the frozen backbone, writes the files', () => inScratch(400, 200, async (root, out) => {
  const lines: string[] = [];
  const before = torch.memory().numTensors;
  const result = await finetune({
    data: root, out, epochs: 4, pretrainEpochs: 2, batchSize: 32, baseline: true,
    stdout: { write: (s: string) => lines.push(s) },
  });
  for (const f of [result.files.backbone, result.files.metrics, result.files.checkpoint, result.files.svg, result.files.png]) {
    assert.ok(existsSync(f), `${f} written`);
  }
  assert.equal(result.metrics.length, 4);
  assert.ok(result.accuracy > 0.2 && result.baselineAccuracy !== null, `accuracy ${result.accuracy}`);
  // The backbone file is a PyTorch .pth state dict of the 28×28 ResNet-18.
  const state = torch.load(result.files.backbone) as Record<string, Tensor>;
  assert.deepEqual(state['conv1.weight'].shape, [32, 1, 3, 3]);
  assert.deepEqual(state['layer4.1.conv2.weight'].shape, [256, 256, 3, 3]);
  assert.deepEqual(state['fc.weight'].shape, [5, 256]);
  torch.dispose(state);
  assert.ok(lines.some((l) => l.includes('head test accuracy on classes 5-9')));
  assert.equal(torch.memory().numTensors, before, 'everything freed');
}));

test('antorcha finetune --amp bf16: both phases under autocast, says so, frees everything', () => inScratch(128, 64, async (root, out) => {
  const lines: string[] = [];
  const before = torch.memory().numTensors;
  const result = await finetune({
    data: root, out, epochs: 1, pretrainEpochs: 1, batchSize: 32, amp: 'bf16',
    stdout: { write: (s: string) => lines.push(s) },
  });
  assert.ok(lines.join('').includes(`thread(s)${ampLabel('bf16')}\n`), lines.join(''));
  const m = result.metrics[0] as Record<string, number>;
  assert.ok(Number.isFinite(m.train_loss) && m.train_loss > 0 && Number.isFinite(m.test_loss), JSON.stringify(m));
  // Weights stay float32 (autocast casts per op); the saved backbone too.
  const state = torch.load(result.files.backbone) as Record<string, Tensor>;
  assert.equal(state['layer1.0.conv1.weight'].dtype, 'float32');
  torch.dispose(state);
  assert.equal(torch.isAutocastCpuEnabled(), false);
  assert.equal(torch.memory().numTensors, before, 'everything freed');
}));
