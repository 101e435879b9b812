#!/usr/bin/env node
/**
 * The `antorcha` command line.
 *
 * @example
 * antorcha train --epochs 3 --threads 2
 * antorcha train --resume --epochs 5
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
  demo        train a small MLP (2 -> 64 -> 1) to tell points inside a circle from points outside it
  version     print the version of antorcha

Options of train:
  --epochs N        train until epoch N (default 3; with --resume, counting the epochs already done)
  --batch-size N    images per step (default 64)
  --lr X            Adam's learning rate (default 0.001)
  --seed N          seed of the initial weights and of the shuffling (default 0)
  --out DIR         output folder (default runs/fashion-mnist)
  --resume          continue from DIR/checkpoint.safetensors (model, optimizer, epoch, shuffling state)
  --data DIR        folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
  --limit N         use only the first N training images (quick runs)
  --test-limit N    use only the first N test images

Options of demo:
  --steps N         optimisation steps (default 300)
  --seed N          random seed (default 0)

Common options:
  --threads N       number of threads of the native kernels (default: all cores)
  -h, --help        show this help
`;

class UsageError extends Error {}

/** Errors whose message is the whole story (matched by name: the classes load with the native addon). */
const USER_ERRORS = new Set(['DatasetNotFoundError', 'DatasetFormatError', 'CheckpointNotFoundError']);

/** Which options each command accepts (parseArgs itself accepts the union). */
const COMMAND_OPTIONS: Record<string, string[]> = {
  train: ['epochs', 'batch-size', 'lr', 'seed', 'out', 'resume', 'data', 'limit', 'test-limit', 'threads'],
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
    throw new UsageError(`--${name} expects ${min > 0 ? 'a positive' : 'a non-negative'} integer, got '${value}'`);
  }
  return n;
}

function positiveNumberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} expects a positive number, got '${value}'`);
  return n;
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
      steps: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version || command === 'version') {
    console.log(`antorcha ${packageVersion()}`);
    return 0;
  }
  if (command === undefined) throw new UsageError('no command given');
  const allowed = COMMAND_OPTIONS[command];
  if (allowed === undefined) throw new UsageError(`unknown command '${command}'`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const stray = Object.keys(values).find((name) => !allowed.includes(name));
  if (stray !== undefined) throw new UsageError(`--${stray} is not an option of '${command}'`);

  const seed = integerOption(values.seed, 'seed', 0);
  const threads = integerOption(values.threads, 'threads', 1);
  if (command === 'train') {
    const trainOptions = {
      epochs: integerOption(values.epochs, 'epochs', 1),
      batchSize: integerOption(values['batch-size'], 'batch-size', 1),
      lr: positiveNumberOption(values.lr, 'lr'),
      limit: integerOption(values.limit, 'limit', 1),
      testLimit: integerOption(values['test-limit'], 'test-limit', 1),
      seed, threads, out: values.out, data: values.data, resume: values.resume,
    };
    // Loaded here so that --help and version work even where the native addon is not built.
    const { train } = await import('./train.js');
    await train(trainOptions);
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
