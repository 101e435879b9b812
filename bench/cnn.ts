/**
 * W1: the lesson's SimpleCNN (64x3x32x32, CrossEntropy, Adam) — train and inference images/s, antorcha against
 * PyTorch (bench/pytorch/w1.py, the same work as the shared reference script), alternating the two sides.
 *
 *   node dist/bench/cnn.js [--threads N] [--rounds R] [--amp bf16] [--fresh]
 *
 * With `--amp bf16` (W6) both sides also run the forward passes and the loss under CPU autocast (bfloat16),
 * and the table adds antorcha's speed-up over its own float32 and the ratio to PyTorch's autocast.
 * With `--fresh` each of antorcha's measurements runs in a fresh process too, as PyTorch's always do (nothing
 * carries over from one round to the next: allocator cache, primitive cache, memory placement).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { median, PYTHON, region } from './cli_args.js';
import { nn, optim } from '../src/index.js';
import { simpleCnn } from './simple_cnn.js';

const PY_SCRIPT = fileURLToPath(new URL('../../bench/pytorch/w1.py', import.meta.url));

/** The same protocol as the PyTorch script: 3 warm-up steps, 20 timed, then the same for inference. */
type Figures = { train: number; infer: number };

function antorchaW1(amp = false): Figures {
  torch.manualSeed(0);
  const m = simpleCnn(3);
  const x = torch.keep(torch.randn([64, 3, 32, 32])), y = torch.keep(torch.randint(0, 10, [64]));
  const opt = new optim.Adam(m.parameters(), { lr: 1e-3 });
  const crit = new nn.CrossEntropyLoss();
  const step = () => torch.tidy(() => {
    opt.zeroGrad();
    const loss = region(amp, () => crit.forward(m.forward(x), y));
    loss.backward();
    opt.step();
  });
  m.train();
  for (let i = 0; i < 3; i++) step();
  const n = 20;
  let t = performance.now();
  for (let i = 0; i < n; i++) step();
  const train = (n * 64) / ((performance.now() - t) / 1000);
  m.eval();
  const infer = torch.noGrad(() => {
    for (let i = 0; i < 3; i++) torch.tidy(() => { region(amp, () => m.forward(x)); });
    t = performance.now();
    for (let i = 0; i < n; i++) torch.tidy(() => { region(amp, () => m.forward(x)); });
    return (n * 64) / ((performance.now() - t) / 1000);
  });
  torch.dispose([x, y, ...m.parameters(), ...m.buffers()]);
  return { train, infer };
}

function pytorchW1(threads: number, amp = false): Figures {
  const r = spawnSync(PYTHON, [PY_SCRIPT, String(threads), ...(amp ? ['bf16'] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch side failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { train: number; infer: number };
}

/** antorchaW1 in a fresh process (this script with `--worker`). */
function freshW1(threads: number, amp: boolean): Figures {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [script, '--worker', '--threads', String(threads), ...(amp ? ['--amp', 'bf16'] : [])],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`antorcha worker failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const threads = arg('--threads', 2), rounds = arg('--rounds', 5);
  const amp = args.includes('--amp');
  if (amp && args[args.indexOf('--amp') + 1] !== 'bf16') throw new Error('--amp takes bf16');
  torch.setNumThreads(threads);
  if (args.includes('--worker')) {
    console.log(JSON.stringify(antorchaW1(amp)));
    return;
  }
  const measure = args.includes('--fresh') ? (withAmp: boolean) => freshW1(threads, withAmp) : antorchaW1;
  const ours: Figures[] = [], theirs: Figures[] = [], oursAmp: Figures[] = [], theirsAmp: Figures[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(measure(false));
    theirs.push(pytorchW1(threads));
    const a = ours[r], p = theirs[r];
    let line = `round ${r + 1}/${rounds}: antorcha train ${a.train.toFixed(0)} infer ${a.infer.toFixed(0)} img/s; ` +
      `PyTorch train ${p.train.toFixed(0)} infer ${p.infer.toFixed(0)} img/s`;
    if (amp) {
      oursAmp.push(measure(true));
      theirsAmp.push(pytorchW1(threads, true));
      line += `; bf16: antorcha train ${oursAmp[r].train.toFixed(0)} infer ${oursAmp[r].infer.toFixed(0)}, ` +
        `PyTorch train ${theirsAmp[r].train.toFixed(0)} infer ${theirsAmp[r].infer.toFixed(0)}`;
    }
    console.error(line);
  }
  const med = (runs: Figures[], name: keyof Figures) => median(runs.map((o) => o[name]));
  const row = (name: keyof Figures) => {
    const a = med(ours, name), p = med(theirs, name);
    return `| W1 ${name} (images/s) | ${a.toFixed(0)} | ${p.toFixed(0)} | ${(a / p).toFixed(2)}x |`;
  };
  console.log(`\nW1 SimpleCNN, batch 64x3x32x32: ${threads} thread(s) each, medians of ${rounds} rounds`);
  console.log('| case | antorcha | PyTorch | ratio |\n|---|---:|---:|---:|');
  console.log(row('train'));
  console.log(row('infer'));
  if (amp) {
    console.log('\nW6: the same under autocast bfloat16');
    console.log('| case | antorcha bf16 | vs antorcha float32 | PyTorch bf16 | vs PyTorch bf16 |\n|---|---:|---:|---:|---:|');
    for (const name of ['train', 'infer'] as const) {
      const a = med(oursAmp, name), f = med(ours, name), p = med(theirsAmp, name);
      console.log(`| W1 ${name} (images/s) | ${a.toFixed(0)} | ${(a / f).toFixed(2)}x | ${p.toFixed(0)} | ${(a / p).toFixed(2)}x |`);
    }
  }
}

main();
