/**
 * W1: the lesson's SimpleCNN (64x3x32x32, CrossEntropy, Adam) — train and inference images/s, antorcha against
 * PyTorch (bench/pytorch/w1.py, the same work as the shared reference script), alternating the two sides.
 *
 *   node dist/bench/cnn.js [--threads N] [--rounds R]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim } from '../src/index.js';
import { simpleCnn } from './simple_cnn.js';

const PY_SCRIPT = fileURLToPath(new URL('../../bench/pytorch/w1.py', import.meta.url));

/** The same protocol as the PyTorch script: 3 warm-up steps, 20 timed, then the same for inference. */
function antorchaW1(): { train: number; infer: number } {
  torch.manualSeed(0);
  const m = simpleCnn(3);
  const x = torch.keep(torch.randn([64, 3, 32, 32])), y = torch.keep(torch.randint(0, 10, [64]));
  const opt = new optim.Adam(m.parameters(), { lr: 1e-3 });
  const crit = new nn.CrossEntropyLoss();
  const step = () => torch.tidy(() => {
    opt.zeroGrad();
    const loss = crit.forward(m.forward(x), y);
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
    for (let i = 0; i < 3; i++) torch.tidy(() => { m.forward(x); });
    t = performance.now();
    for (let i = 0; i < n; i++) torch.tidy(() => { m.forward(x); });
    return (n * 64) / ((performance.now() - t) / 1000);
  });
  torch.dispose([x, y, ...m.parameters(), ...m.buffers()]);
  return { train, infer };
}

function pytorchW1(threads: number): { train: number; infer: number } {
  const r = spawnSync('/usr/bin/python3', [PY_SCRIPT, String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch side failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { train: number; infer: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const threads = arg('--threads', 2), rounds = arg('--rounds', 5);
  torch.setNumThreads(threads);
  const ours: { train: number; infer: number }[] = [], theirs: { train: number; infer: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(antorchaW1());
    theirs.push(pytorchW1(threads));
    const a = ours[r], p = theirs[r];
    console.error(`round ${r + 1}/${rounds}: antorcha train ${a.train.toFixed(0)} infer ${a.infer.toFixed(0)} img/s; ` +
      `PyTorch train ${p.train.toFixed(0)} infer ${p.infer.toFixed(0)} img/s`);
  }
  const row = (name: 'train' | 'infer') => {
    const a = median(ours.map((o) => o[name])), p = median(theirs.map((o) => o[name]));
    return `| W1 ${name} (images/s) | ${a.toFixed(0)} | ${p.toFixed(0)} | ${(a / p).toFixed(2)}x |`;
  };
  console.log(`\nW1 SimpleCNN, batch 64x3x32x32: ${threads} thread(s) each, medians of ${rounds} rounds`);
  console.log('| case | antorcha | PyTorch | ratio |\n|---|---:|---:|---:|');
  console.log(row('train'));
  console.log(row('infer'));
}

main();
