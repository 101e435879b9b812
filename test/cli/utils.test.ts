// Tests of src/utils (progress, metrics, charts), which exist for the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { epochProgress, formatDuration } from '../../src/utils/progress.js';
import { appendJsonl, readJsonl, writeJsonl } from '../../src/utils/metrics.js';
import { renderSvg, svgToPng, trainingChartSpec, writeTrainingCharts } from '../../src/utils/plot.js';

const scratch = mkdtempSync(join(tmpdir(), 'antorcha-utils-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function lines(total: number): string[] {
  const out: string[] = [];
  const progress = epochProgress({ stream: { write: (s: string) => out.push(s), isTTY: false }, label: 'epoch 1/1', total });
  for (let step = 1; step <= total; step++) progress.update(step, { loss: 1 / step, accuracy: 0.5, images: step * 64 });
  progress.stop();
  return out;
}

test('without a TTY, progress is a plain line at each tenth of the epoch, and the last step is left to the caller', () => {
  const hundred = lines(100);
  assert.equal(hundred.length, 9);
  assert.match(hundred[0], /^epoch 1\/1 {3}10\/100 {2}loss 0\.1000 {2}acc 50\.0% {2}[\d,]+ img\/s {2}ETA \d+:\d\d\n$/);
  assert.match(hundred[8], / 90\/100 /);
  assert.equal(lines(938).length, 9);
  assert.deepEqual(lines(3).map((l) => l.match(/ (\d)\/3 /)?.[1]), ['1', '2']);
  assert.deepEqual(lines(1), []);
  for (const l of [...hundred, ...lines(7)]) assert.ok(!l.includes('\r') && !l.includes('\x1b'));
});

test('formatDuration writes m:ss and h:mm:ss', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(75.4), '1:15');
  assert.equal(formatDuration(3600 + 62), '1:01:02');
  assert.equal(formatDuration(NaN), '--:--');
});

test('metrics JSON Lines: append, read back, a torn last line is skipped, rewrite', () => {
  const path = join(scratch, 'metrics.jsonl');
  assert.deepEqual(readJsonl(path), []);
  appendJsonl(path, { epoch: 1, loss: 0.5 });
  appendJsonl(path, { epoch: 2, loss: 0.25 });
  assert.deepEqual(readJsonl(path), [{ epoch: 1, loss: 0.5 }, { epoch: 2, loss: 0.25 }]);
  writeFileSync(path, readFileSync(path, 'utf8') + '{"epoch":3,"lo');
  assert.deepEqual(readJsonl(path).map((r) => r.epoch), [1, 2]);
  writeJsonl(path, [{ epoch: 1, loss: 0.5 }]);
  assert.equal(readFileSync(path, 'utf8'), '{"epoch":1,"loss":0.5}\n');
  writeFileSync(path, 'not json\n{"epoch":1}\n');
  assert.throws(() => readJsonl(path), /metrics\.jsonl:1: not a JSON line/);
});

const points = [1, 2, 3].map((epoch) => ({
  epoch, train_loss: 0.6 / epoch, train_accuracy: 0.8 + 0.03 * epoch, test_loss: 0.5 / epoch, test_accuracy: 0.82 + 0.02 * epoch,
}));

test('the chart has a title, both panels with axis titles, and a legend for train and test', async () => {
  const svg = await renderSvg(trainingChartSpec(points, { title: 'My run' }));
  assert.match(svg, /^<svg/);
  for (const text of ['My run', 'test accuracy 88.00% after 3 epochs', 'Loss', 'Accuracy', 'Epoch', 'Cross-entropy loss', 'Accuracy (%)', 'Split', 'train', 'test']) {
    assert.ok(svg.includes(`>${text}</text>`), `the SVG shows "${text}"`);
  }
  const png = svgToPng(svg);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.readUInt32BE(16) > 1000, 'rendered at twice the SVG width');
});

test('writeTrainingCharts writes <base>.svg and <base>.png, also for a single epoch', async () => {
  const paths = await writeTrainingCharts(points.slice(0, 1), join(scratch, 'chart'));
  assert.match(readFileSync(paths.svg, 'utf8'), /after 1 epoch</);
  assert.equal(readFileSync(paths.png).subarray(1, 4).toString('latin1'), 'PNG');
});
