/**
 * Core benchmark: antorcha against PyTorch on the same work, in one run.
 *
 *   node dist/bench/core.js [--threads N] [--rounds R] [--cases a,b,...] [--cores 0,1] [--json out.json]
 *
 * --cores pins both sides to a CPU set (the run restarts itself under `taskset -c`; PyTorch inherits it).
 *
 * PyTorch runs in a persistent child process (bench/pytorch/core.py) that receives one JSON request per line.
 * For every case and round, antorcha is timed first and PyTorch right after, so both see the same machine
 * state. A round's time is the median of its repetitions (after warm-up); a case's time is the median over
 * rounds. Both sides use the same thread count and free each result inside the timed region.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { PYTHON } from './cli_args.js';

const PY_SCRIPT = fileURLToPath(new URL('../../bench/pytorch/core.py', import.meta.url));

/** One benchmark case; warmup, reps and inner are sent to PyTorch too, so both sides do the same work. */
interface Case {
  name: string;
  /** Unless 1, the op runs `inner` times per repetition and reported times are per op. */
  inner: number;
  warmup: number;
  reps: number;
  /** Builds the inputs (outside the timed region); returns the timed body and a cleanup. */
  setup(inner: number): { run(): void; dispose(): void };
}

function binary(make: () => torch.Tensor, op: (a: torch.Tensor, b: torch.Tensor) => torch.Tensor) {
  const a = make(), b = make();
  return { run: () => op(a, b).dispose(), dispose: () => torch.dispose([a, b]) };
}

function unary(x: torch.Tensor, op: (x: torch.Tensor) => torch.Tensor) {
  return { run: () => op(x).dispose(), dispose: () => x.dispose() };
}

/** MLP 784-512-512-10 with ReLU, batch 128: forward, cross-entropy, backward and an in-place SGD update. */
function mlpTrainStep() {
  const lr = 0.01;
  const shapes = [[512, 784], [512], [512, 512], [512], [10, 512], [10]];
  const params = torch.tidy(() => shapes.map((s) => torch.randn(s).mul(0.05)));
  for (const p of params) p.requiresGrad_(true);
  const [w1, b1, w2, b2, w3, b3] = params;
  const x = torch.randn([128, 784]);
  const target = torch.randint(0, 10, [128]);
  const run = () =>
    torch.tidy(() => {
      const h1 = torch.linear(x, w1, b1).relu();
      const h2 = torch.linear(h1, w2, b2).relu();
      const logits = torch.linear(h2, w3, b3);
      const loss = logits.logSoftmax(1).gather(1, target.view(-1, 1)).mean().neg();
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) p.sub_(p.grad!.mul(lr));
      });
      for (const p of params) {
        p.grad!.dispose();
        p.grad = null;
      }
    });
  return { run, dispose: () => torch.dispose([params, x, target]) };
}

const CASES: Case[] = [
  { name: 'matmul_f32', inner: 1, warmup: 1, reps: 5,
    setup: () => binary(() => torch.randn([1024, 1024]), (a, b) => a.matmul(b)) },
  { name: 'matmul_bf16', inner: 1, warmup: 1, reps: 5,
    setup: () => binary(() => torch.randn([1024, 1024], { dtype: 'bfloat16' }), (a, b) => a.matmul(b)) },
  { name: 'add_f32', inner: 1, warmup: 2, reps: 10,
    setup: () => binary(() => torch.randn([1 << 24]), (a, b) => a.add(b)) },
  { name: 'sum_f32', inner: 1, warmup: 2, reps: 15, setup: () => unary(torch.randn([4096, 4096]), (x) => x.sum()) },
  { name: 'softmax_f32', inner: 1, warmup: 2, reps: 15,
    setup: () => unary(torch.randn([4096, 1000]), (x) => x.softmax(1)) },
  { name: 'mlp_train_step', inner: 1, warmup: 3, reps: 10, setup: mlpTrainStep },
  { name: 'tiny_add', inner: 10000, warmup: 1, reps: 7,
    setup: (inner) => {
      const a = torch.randn([16]), b = torch.randn([16]);
      // Each result is disposed at once, as PyTorch frees it when its refcount drops.
      const run = () => {
        for (let i = 0; i < inner; i++) a.add(b).dispose();
      };
      return { run, dispose: () => torch.dispose([a, b]) };
    } },
];

// ------------------------------------------------------------------ PyTorch worker

type Reply = { error?: string; times?: number[]; ready?: boolean; torch?: string; threads?: number };

/** The PyTorch child process: one request in flight at a time, one JSON line each way. */
class PyTorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private spawnError: Error | null = null;

  constructor(threads: number) {
    this.child = spawn(PYTHON, [PY_SCRIPT, '--threads', String(threads)], { stdio: 'pipe' });
    this.child.on('error', (e) => (this.spawnError = e)); // e.g. no such Python; stdout then just ends
    this.child.stdin.on('error', () => {}); // a dead worker is reported by next()
    this.child.stderr.pipe(process.stderr);
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async next(): Promise<Reply> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`the PyTorch worker (${PYTHON} ${PY_SCRIPT}) exited${this.spawnError ? `: ${this.spawnError.message}` : ''}`);
    const reply = JSON.parse(value) as Reply;
    if (reply.error) throw new Error(reply.error);
    return reply;
  }

  request(req: object): Promise<Reply> {
    this.child.stdin.write(JSON.stringify(req) + '\n');
    return this.next();
  }

  close(): void {
    this.child.stdin.end();
  }
}

// ------------------------------------------------------------------ timing and statistics

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times of `reps` calls of fn after `warmup` untimed ones, in seconds. */
function timeAntorcha(fn: () => void, warmup: number, reps: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return times;
}

function formatTime(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toPrecision(3)} ms`;
  return `${(s * 1e6).toPrecision(3)} µs`;
}

// ------------------------------------------------------------------ main

interface Side {
  /** Per round: the time of each repetition (per op), in seconds. */
  rounds: number[][];
  median: number | null;
  error?: string;
}

interface Result {
  case: string;
  inner: number;
  antorcha: Side;
  pytorch: Side;
  /** PyTorch median / antorcha median (> 1: antorcha is faster). */
  speedup: number | null;
}

function parseArgs(argv: string[]) {
  const opts = { threads: 2, rounds: 5, cases: CASES.map((c) => c.name), json: null as string | null, cores: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i], value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const positive = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a positive integer, got ${value}`);
      return n;
    };
    if (flag === '--threads') opts.threads = positive();
    else if (flag === '--rounds') opts.rounds = positive();
    else if (flag === '--json') opts.json = value;
    else if (flag === '--cases') opts.cases = value.split(',').filter((s) => s.length > 0);
    else if (flag === '--cores') opts.cores = /^[0-9,-]+$/.test(value) ? value : null;
    else throw new Error(`unknown option ${flag}; usage: core.js [--threads N] [--rounds R] [--cases a,b,...] [--cores 0,1] [--json out.json]`);
  }
  const unknown = opts.cases.filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${CASES.map((c) => c.name).join(', ')}`);
  return opts;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

function errorMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

async function benchCase(c: Case, rounds: number, py: PyTorchWorker): Promise<Result> {
  const antorcha: Side = { rounds: [], median: null }, pytorch: Side = { rounds: [], median: null };
  const perOp = (times: number[]) => times.map((t) => t / c.inner);
  let bench: ReturnType<Case['setup']> | null = null;
  try {
    bench = c.setup(c.inner);
  } catch (e) {
    antorcha.error = errorMessage(e);
  }
  const liveTensors = torch.memory().numTensors;
  for (let r = 0; r < rounds; r++) {
    if (bench && !antorcha.error) {
      try {
        antorcha.rounds.push(perOp(timeAntorcha(bench.run, c.warmup, c.reps)));
      } catch (e) {
        antorcha.error = errorMessage(e);
      }
    }
    if (!pytorch.error) {
      try {
        const reply = await py.request({ cmd: 'run', case: c.name, warmup: c.warmup, reps: c.reps, inner: c.inner });
        pytorch.rounds.push(perOp(reply.times!));
      } catch (e) {
        pytorch.error = errorMessage(e);
      }
    }
    const last = (s: Side) => (s.error ? 'failed' : formatTime(median(s.rounds[s.rounds.length - 1])));
    console.error(`${c.name} round ${r + 1}/${rounds}: antorcha ${last(antorcha)}, PyTorch ${last(pytorch)}`);
  }
  // A failed run may strand its output until GC; only a clean run must end with what it started with.
  const leaked = torch.memory().numTensors - liveTensors;
  if (leaked > 0 && !antorcha.error) console.error(`warning: ${c.name} left ${leaked} more live tensors than it started with`);
  bench?.dispose();
  await py.request({ cmd: 'drop', case: c.name });
  for (const s of [antorcha, pytorch]) {
    if (s.error) console.error(`${c.name}: ${s === antorcha ? 'antorcha' : 'PyTorch'} failed: ${s.error}`);
    else s.median = median(s.rounds.map(median));
  }
  const speedup = antorcha.median !== null && pytorch.median !== null ? pytorch.median / antorcha.median : null;
  return { case: c.name, inner: c.inner, antorcha, pytorch, speedup };
}

function table(results: Result[]): string {
  const cell = (s: Side) => (s.median !== null ? formatTime(s.median) : 'failed');
  const rows = results.map((r) => {
    const name = r.inner > 1 ? `${r.case} (per op)` : r.case;
    return `| ${name} | ${cell(r.antorcha)} | ${cell(r.pytorch)} | ${r.speedup !== null ? r.speedup.toFixed(2) + 'x' : '—'} |`;
  });
  return ['| case | antorcha median | PyTorch median | speed-up (PyTorch/antorcha) |', '|---|---:|---:|---:|', ...rows].join('\n');
}

/** Re-runs this process pinned to `cores`; returns false when already pinned or not asked to. */
function pinned(cores: string | null): boolean {
  if (cores === null || process.env.ANTORCHA_BENCH_PINNED === cores) return false;
  const child = spawnSync('taskset', ['-c', cores, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, ANTORCHA_BENCH_PINNED: cores },
  });
  if (child.error) throw new Error(`--cores needs taskset (util-linux): ${child.error.message}`);
  process.exitCode = child.status ?? 1;
  return true;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (pinned(opts.cores)) return;
  // Other work on the machine stalls the thread teams of both sides; the load average makes that visible.
  const load = loadavg()[0];
  if (load > 0.5) console.error(`warning: load average ${load.toFixed(2)} before the start; timings will be noisy`);
  torch.setNumThreads(opts.threads);
  const py = new PyTorchWorker(opts.threads);
  const results: Result[] = [];
  let torchVersion = 'unknown';
  try {
    const hello = await py.next();
    torchVersion = hello.torch ?? torchVersion;
    if (hello.threads !== opts.threads) throw new Error(`PyTorch runs ${hello.threads} threads, expected ${opts.threads}`);
    for (const c of CASES.filter((c) => opts.cases.includes(c.name))) results.push(await benchCase(c, opts.rounds, py));
  } finally {
    py.close();
  }

  const cpu = cpuModel();
  console.log(`\nantorcha vs PyTorch ${torchVersion}: ${opts.threads} thread(s) each, ${opts.rounds} rounds, CPU: ${cpu}` +
    `, load average at start ${load.toFixed(2)}\n`);
  console.log(table(results));
  if (opts.json) {
    const raw = { threads: opts.threads, rounds: opts.rounds, cpu, loadAverage: load, node: process.version, torch: torchVersion, results };
    writeFileSync(opts.json, JSON.stringify(raw, null, 2) + '\n');
    console.log(`\nraw numbers written to ${opts.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
