// `antorcha train --amp bf16`: the forward pass and loss of each step under CPU autocast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';
import { train } from '../../src/cli/train.js';
import { ampLabel } from '../../src/cli/train_loop.js';
import { hasNativeBfloat16 } from '../../src/amp/native_support.js';
import { makeTinyFashionMnist } from './tiny_fashion.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const data = makeTinyFashionMnist(64, 32);
const scratch = mkdtempSync(join(tmpdir(), 'antorcha-amp-'));
process.on('exit', () => {
  rmSync(data, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

test('train with amp bf16 runs two steps, says so, keeps float32 weights and records amp for --resume', async () => {
  const chunks: string[] = [];
  const stdout = { write: (s: string) => (chunks.push(s), true), isTTY: false, columns: 120 };
  const out = join(scratch, 'bf16');
  const options = { data, epochs: 1, limit: 64, testLimit: 32, batchSize: 32, seed: 1 };
  let before = torch.memory().numTensors;
  await train({ ...options, out: join(scratch, 'f32'), stdout: { write: () => true, isTTY: false, columns: 120 } });
  const leftByFloat32 = torch.memory().numTensors - before;
  before = torch.memory().numTensors;
  const { metrics, files } = await train({ ...options, out, stdout, amp: 'bf16' });
  assert.equal(torch.memory().numTensors - before, leftByFloat32, 'autocast leaves no more tensors alive than a float32 run');
  assert.ok(chunks.join('').includes(`batch 32, Adam lr 0.001, CPU with ${torch.getNumThreads()} thread(s)${ampLabel('bf16')}\n`), chunks.join(''));
  const m = metrics[0] as Record<string, number>;
  assert.ok(Number.isFinite(m.train_loss) && m.train_loss > 0 && Number.isFinite(m.test_loss), JSON.stringify(m));
  const ckpt = torch.load(files.checkpoint) as { model: Record<string, torch.Tensor>; options: { amp: string } };
  try {
    assert.equal(ckpt.options.amp, 'bf16');
    assert.equal(ckpt.model['features.0.weight'].dtype, 'float32');
    assert.equal(ckpt.model['features.1.num_batches_tracked'].item(), 2, '64 images in batches of 32');
  } finally {
    torch.dispose(ckpt);
  }
  assert.equal(torch.isAutocastCpuEnabled(), false);
});

test('antorcha train --amp takes bf16 only', () => {
  const r = spawnSync(process.execPath, [MAIN, 'train', '--amp', 'fp16'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--amp expects bf16, got 'fp16'/);
  const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
  assert.match(help.stdout, /--amp bf16 +mixed precision/);
});

test('the trainers name autocast on their first line, and say where this CPU only emulates bfloat16', () => {
  assert.equal(ampLabel(null), '');
  assert.equal(ampLabel(undefined), '');
  assert.equal(ampLabel('bf16'), hasNativeBfloat16() ? ', autocast bfloat16'
    : ', autocast bfloat16 (emulated: this CPU has no bfloat16 instructions, so no faster than float32)');
});
