import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { train } from '../../src/cli/train.js';
import { readJsonl } from '../../src/utils/metrics.js';
import { SimpleCNN } from '../../examples/simple-cnn.js';
import { makeTinyFashionMnist } from './tiny_fashion.js';

/** A stdout stand-in that records what is written; `isTTY` decides the progress style. */
function capture(isTTY: boolean): { write(s: string): boolean; isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  return { write: (s: string) => (chunks.push(s), true), isTTY, columns: 120, text: () => chunks.join('') };
}

const data = makeTinyFashionMnist(320, 160);
const scratch = mkdtempSync(join(tmpdir(), 'antorcha-train-'));
process.on('exit', () => {
  rmSync(data, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});
const base = { data, limit: 256, testLimit: 128, batchSize: 32, seed: 3 };
const METRIC_KEYS = ['epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'seconds', 'images_per_second'];

test('one epoch writes metrics.jsonl, a checkpoint that loads, the SVG and PNG charts; no carriage returns without a TTY', async () => {
  const out = join(scratch, 'one');
  const stdout = capture(false);
  const before = torch.memory().numTensors;
  const { metrics, files } = await train({ ...base, epochs: 1, out, stdout });
  assert.equal(torch.memory().numTensors, before, 'train() frees every tensor it made (data, model, optimizer state)');

  const lines = readJsonl(files.metrics);
  assert.deepEqual(lines, metrics);
  assert.equal(lines.length, 1);
  for (const key of METRIC_KEYS) assert.equal(typeof lines[0][key], 'number', key);
  const m = lines[0] as Record<string, number>;
  assert.equal(m.epoch, 1);
  assert.ok(m.train_loss > 0 && m.test_loss > 0);
  assert.ok(m.train_accuracy >= 0 && m.train_accuracy <= 1 && m.test_accuracy >= 0 && m.test_accuracy <= 1);
  assert.ok(m.seconds > 0 && m.images_per_second > 0);

  const ckpt = torch.load(files.checkpoint) as { model: Record<string, Tensor>; optimizer: { state: object; param_groups: { lr: number }[] }; epoch: number; generator: Uint32Array };
  try {
    assert.equal(ckpt.epoch, 1);
    const expected = torch.tidy(() => Object.keys(new SimpleCNN(1, 10).stateDict()));
    assert.deepEqual(Object.keys(ckpt.model), expected);
    assert.deepEqual(ckpt.model['features.0.weight'].shape, [32, 1, 3, 3]);
    assert.equal(ckpt.model['features.1.num_batches_tracked'].item(), 8, '256 images in batches of 32');
    assert.equal(ckpt.optimizer.param_groups[0].lr, 1e-3);
    assert.equal(Object.keys(ckpt.optimizer.state).length, expected.filter((k) => !/running_|num_batches/.test(k)).length);
    assert.ok(ckpt.generator instanceof Uint32Array && ckpt.generator.length === 4);
  } finally {
    torch.dispose(ckpt);
  }

  assert.match(readFileSync(files.svg, 'utf8'), /^<svg[\s\S]*SimpleCNN on Fashion-MNIST[\s\S]*<\/svg>$/);
  assert.deepEqual([...readFileSync(files.png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  const text = stdout.text();
  assert.ok(!text.includes('\r'), 'no carriage returns');
  assert.ok(!text.includes('\x1b'), 'no escape codes');
  assert.match(text, /^epoch 1\/1 +loss \d\.\d{4} +acc [\d.]+% .*\| +test loss \d\.\d{4} +acc [\d.]+%$/m);
  const progressLines = text.split('\n').filter((l) => /^epoch 1\/1 +\d+\/8 /.test(l));
  assert.ok(progressLines.length >= 1 && progressLines.length <= 9, `one line per tenth at most, got ${progressLines.length}`);
});

test('--resume continues from the next epoch and gives the same numbers as an uninterrupted run', async () => {
  const resumed = join(scratch, 'resumed'), straight = join(scratch, 'straight');
  await train({ ...base, epochs: 1, out: resumed, stdout: capture(false) });
  const stdout = capture(false);
  // The data options come from the checkpoint when not given again.
  const { metrics } = await train({ data, resume: true, epochs: 2, out: resumed, stdout });
  assert.match(stdout.text(), /resuming after epoch 1/);
  assert.doesNotMatch(stdout.text(), /^epoch 1\//m, 'epoch 1 is not trained again');
  assert.deepEqual(metrics.map((r) => r.epoch), [1, 2]);
  const ckpt = torch.load(join(resumed, 'checkpoint.safetensors')) as { epoch: number };
  assert.equal(ckpt.epoch, 2);
  torch.dispose(ckpt);

  const { metrics: reference } = await train({ ...base, epochs: 2, out: straight, stdout: capture(false) });
  for (const key of ['train_loss', 'train_accuracy', 'test_loss', 'test_accuracy']) {
    const a = Number(metrics[1][key]), b = Number(reference[1][key]);
    assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `epoch 2 ${key}: resumed ${a} vs uninterrupted ${b}`);
  }

  const again = capture(false);
  await train({ data, resume: true, epochs: 2, out: resumed, stdout: again });
  assert.match(again.text(), /nothing to do/);
  assert.equal(readJsonl(join(resumed, 'metrics.jsonl')).length, 2);
});

test('resume drops metrics lines of epochs after the checkpoint; a fresh run starts the file anew', async () => {
  const out = join(scratch, 'stale');
  await train({ ...base, epochs: 1, out, stdout: capture(false) });
  // A run stopped after appending a line but before its checkpoint (or a torn write) leaves extra lines.
  const { appendFileSync } = await import('node:fs');
  appendFileSync(join(out, 'metrics.jsonl'), '{"epoch":2,"train_loss":9}\n{"epoch":3,"tr');
  const { metrics } = await train({ data, resume: true, epochs: 2, out, stdout: capture(false) });
  assert.deepEqual(metrics.map((r) => r.epoch), [1, 2]);
  assert.notEqual(metrics[1].train_loss, 9);
  const { metrics: fresh } = await train({ ...base, epochs: 1, out, stdout: capture(false) });
  assert.deepEqual(fresh.map((r) => r.epoch), [1]);
});

test('on a TTY the progress is one line redrawn in place', async () => {
  const stdout = capture(true);
  await train({ ...base, epochs: 1, out: join(scratch, 'tty'), stdout });
  const text = stdout.text();
  assert.ok(text.includes('\x1b['), 'the bar is drawn with cursor movements');
  // Every newline belongs to a summary line: the bar itself never adds lines.
  const lines = text.split('\n').map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '').trim()).filter((l) => l !== '');
  assert.equal(lines.length, 3, JSON.stringify(lines));
  assert.match(lines[0], /^antorcha: SimpleCNN on Fashion-MNIST/);
  assert.match(lines[1], /epoch 1\/1 {2}loss/);
  assert.match(lines[2], /^wrote /);
});

test('--resume without a checkpoint says so', async () => {
  await assert.rejects(train({ data, resume: true, out: join(scratch, 'none'), stdout: capture(false) }), {
    name: 'CheckpointNotFoundError', message: /no checkpoint at .*checkpoint\.safetensors/,
  });
  assert.ok(!existsSync(join(scratch, 'none', 'metrics.jsonl')));
});
