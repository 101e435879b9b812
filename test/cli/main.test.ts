// The `antorcha` command as a user runs it: a subprocess writing to a pipe (not a TTY).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonl } from '../../src/utils/metrics.js';
import { makeTinyFashionMnist } from './tiny_fashion.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const data = makeTinyFashionMnist(200, 100);
const scratch = mkdtempSync(join(tmpdir(), 'antorcha-cli-'));
process.on('exit', () => {
  rmSync(data, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function antorcha(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('antorcha train writes its files and prints plain lines into a pipe', () => {
  const out = join(scratch, 'run');
  const r = antorcha('train', '--data', data, '--out', out, '--epochs', '1', '--limit', '128', '--test-limit', '64',
    '--batch-size', '16', '--lr', '0.002', '--seed', '1', '--threads', '1');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes('\r') && !r.stdout.includes('\x1b'));
  assert.match(r.stdout, /128 training and 64 test images, batch 16, Adam lr 0\.002, CPU with 1 thread/);
  assert.match(r.stdout, /^epoch 1\/1 {2}loss .* \| {2}test loss /m);
  for (const f of ['metrics.jsonl', 'checkpoint.safetensors', 'metrics.svg', 'metrics.png']) assert.ok(existsSync(join(out, f)), f);
  assert.deepEqual(readJsonl(join(out, 'metrics.jsonl')).map((m) => m.epoch), [1]);
});

test('antorcha train: help, wrong options and missing data are reported without a stack trace', () => {
  const help = antorcha('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /train {7}train the lesson's SimpleCNN/);
  assert.match(help.stdout, /--test-limit N/);

  const wrong = antorcha('train', '--steps', '3');
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--steps is not an option of 'train'/);
  for (const name of ['fly', 'toString', 'constructor']) {
    const unknown = antorcha(name);
    assert.equal(unknown.status, 2, name);
    assert.match(unknown.stderr, new RegExp(`unknown command '${name}'`));
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, `${name}: no stack trace`);
  }
  const bad = antorcha('train', '--lr', 'fast');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--lr expects a positive number, got 'fast'/);

  const missing = antorcha('train', '--data', join(scratch, 'nowhere'), '--out', join(scratch, 'x'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^antorcha: FashionMNIST: train-images-idx3-ubyte\(\.gz\) and train-labels-idx1-ubyte\(\.gz\) not found/);
  assert.doesNotMatch(missing.stderr, /\n {4}at /);
  const resume = antorcha('train', '--resume', '--out', join(scratch, 'empty'));
  assert.equal(resume.status, 1);
  assert.match(resume.stderr, /no checkpoint at/);
});
