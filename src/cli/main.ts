#!/usr/bin/env node
/**
 * The `antorcha` command line.
 *
 * @example
 * antorcha demo --steps 300 --threads 4
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `Usage: antorcha <command> [options]

Commands:
  demo        train a small MLP (2 -> 64 -> 1) to tell points inside a circle from points outside it
  version     print the version of antorcha

Options:
  --steps N     demo: optimisation steps (default 300)
  --seed N      demo: random seed (default 0)
  --threads N   number of threads of the native kernels (default: all cores)
  -h, --help    show this help
`;

class UsageError extends Error {}

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

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
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
  if (command !== 'demo') throw new UsageError(`unknown command '${command}'`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);

  const steps = integerOption(values.steps, 'steps', 1);
  const seed = integerOption(values.seed, 'seed', 0);
  const threads = integerOption(values.threads, 'threads', 1);
  // Loaded here so that --help and version work even where the native addon is not built.
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
    } else {
      process.stderr.write(`antorcha: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
