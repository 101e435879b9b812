/**
 * W3 (the lesson's SentimentLSTM) and W4 (SimpleRNN): training sequences/s at batch 64, length 200, antorcha
 * against PyTorch (bench/pytorch/w3.py, w4.py), a fresh PyTorch process per round, alternating the sides.
 *
 *   node dist/bench/rnn.js [--threads N] [--rounds R] [--cases w3,w4] [--torch-w3-steps S]
 *
 * PyTorch's W3 step takes over a minute here; `--torch-w3-steps` (default 3) sets how many it times after its
 * warm-up step, so that five rounds at two thread counts fit in half an hour.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';
import { SentimentLSTM } from '../examples/sentiment-lstm.js';
import { SimpleRNN } from '../examples/simple-rnn.js';
import { median, options } from './cli_args.js';

const script = (name: string) => fileURLToPath(new URL(`../../bench/pytorch/${name}.py`, import.meta.url));

/** Steps as the PyTorch scripts time them: one (W3) or one (W4) warm-up step, then `n` timed steps. */
function ours(which: 'w3' | 'w4'): number {
  torch.manualSeed(0);
  const model: nn.Module = which === 'w3' ? new SentimentLSTM(20000) : new SimpleRNN(20000, 128, 256, 2);
  const x = torch.keep(torch.randint(0, 20000, [64, 200]));
  const y = torch.keep(which === 'w3' ? torch.randint(0, 2, [64, 1]).float() : torch.randint(0, 2, [64]));
  const crit = which === 'w3' ? new nn.BCELoss() : new nn.CrossEntropyLoss();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const step = () => torch.tidy(() => {
    opt.zeroGrad();
    const loss = crit.forward(model.forward(x) as Tensor, y);
    loss.backward();
    opt.step();
  });
  model.train();
  step();
  const n = which === 'w3' ? 3 : 5;
  const t = performance.now();
  for (let i = 0; i < n; i++) step();
  const rate = (n * 64) / ((performance.now() - t) / 1000);
  torch.dispose([x, y, ...model.parameters(), ...model.buffers()]);
  return rate;
}

function theirs(which: 'w3' | 'w4', threads: number, w3Steps: number): number {
  const args = [script(which), String(threads), ...(which === 'w3' ? [String(w3Steps)] : [])];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch side failed: ${r.stderr || r.error}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { train: number }).train;
}

function main(): void {
  const arg = options(process.argv.slice(2));
  const threads = Number(arg('--threads', '2')), rounds = Number(arg('--rounds', '5'));
  const cases = arg('--cases', 'w3,w4').split(',') as ('w3' | 'w4')[];
  const w3Steps = Number(arg('--torch-w3-steps', '3'));
  torch.setNumThreads(threads);
  const rows: string[] = [];
  for (const c of cases) {
    const a: number[] = [], p: number[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(ours(c));
      p.push(theirs(c, threads, w3Steps));
      console.error(`${c} round ${r + 1}/${rounds}: antorcha ${a[r].toFixed(1)} seq/s, PyTorch ${p[r].toFixed(1)} seq/s`);
    }
    const ma = median(a), mp = median(p);
    rows.push(`| ${c === 'w3' ? 'W3 SentimentLSTM' : 'W4 SimpleRNN'} train (sequences/s) | ${ma.toFixed(1)} | ${mp.toFixed(1)} | ${(ma / mp).toFixed(2)}x |`);
  }
  console.log(`\nW3/W4, batch 64, length 200: ${threads} thread(s) each, medians of ${rounds} rounds`);
  console.log('| case | antorcha | PyTorch | ratio |\n|---|---:|---:|---:|');
  for (const r of rows) console.log(r);
}

main();
