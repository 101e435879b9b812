/**
 * W3 (the lesson's SentimentLSTM) and W4 (SimpleRNN): training sequences/s at batch 64, length 200, antorcha
 * against PyTorch (bench/pytorch/w3.py, w4.py), a fresh PyTorch process per round, alternating the sides.
 *
 *   node dist/bench/rnn.js [--threads N] [--rounds R] [--cases w3,w4] [--torch-w3-steps S] [--amp bf16]
 *
 * PyTorch's W3 step takes over a minute here; `--torch-w3-steps` (default 3) sets how many it times after its
 * warm-up step, so that five rounds at two thread counts fit in half an hour.
 * With `--amp bf16` (W6) each round also runs both sides with the forward pass and the loss under CPU autocast
 * (bfloat16), and the table adds antorcha's speed-up over its own float32 and the ratio to PyTorch's autocast.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';
import { SentimentLSTM } from '../examples/sentiment-lstm.js';
import { SimpleRNN } from '../examples/simple-rnn.js';
import { median, options, PYTHON, region } from './cli_args.js';

const script = (name: string) => fileURLToPath(new URL(`../../bench/pytorch/${name}.py`, import.meta.url));

/** Steps as the PyTorch scripts time them: one (W3) or one (W4) warm-up step, then `n` timed steps. */
function ours(which: 'w3' | 'w4', amp = false): number {
  torch.manualSeed(0);
  const model: nn.Module = which === 'w3' ? new SentimentLSTM(20000) : new SimpleRNN(20000, 128, 256, 2);
  const x = torch.keep(torch.randint(0, 20000, [64, 200]));
  const y = torch.keep(which === 'w3' ? torch.randint(0, 2, [64, 1]).float() : torch.randint(0, 2, [64]));
  const crit = which === 'w3' ? new nn.BCELoss() : new nn.CrossEntropyLoss();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const step = () => torch.tidy(() => {
    opt.zeroGrad();
    const loss = region(amp, () => crit.forward(model.forward(x) as Tensor, y));
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

function theirs(which: 'w3' | 'w4', threads: number, w3Steps: number, amp = false): number {
  const args = [script(which), String(threads), String(which === 'w3' ? w3Steps : 5), ...(amp ? ['bf16'] : [])];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch side failed: ${r.stderr || r.error}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { train: number }).train;
}

function main(): void {
  const arg = options(process.argv.slice(2));
  const threads = Number(arg('--threads', '2')), rounds = Number(arg('--rounds', '5'));
  const cases = arg('--cases', 'w3,w4').split(',') as ('w3' | 'w4')[];
  const w3Steps = Number(arg('--torch-w3-steps', '3'));
  const amp = arg('--amp', '');
  if (amp && amp !== 'bf16') throw new Error('--amp takes bf16');
  torch.setNumThreads(threads);
  const rows: string[] = [], ampRows: string[] = [];
  for (const c of cases) {
    const a: number[] = [], p: number[] = [], ab: number[] = [], pb: number[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(ours(c));
      p.push(theirs(c, threads, w3Steps));
      let line = `${c} round ${r + 1}/${rounds}: antorcha ${a[r].toFixed(1)} seq/s, PyTorch ${p[r].toFixed(1)} seq/s`;
      if (amp) {
        ab.push(ours(c, true));
        pb.push(theirs(c, threads, w3Steps, true));
        line += `; bf16: antorcha ${ab[r].toFixed(1)}, PyTorch ${pb[r].toFixed(1)}`;
      }
      console.error(line);
    }
    const name = c === 'w3' ? 'W3 SentimentLSTM' : 'W4 SimpleRNN';
    const ma = median(a), mp = median(p);
    rows.push(`| ${name} train (sequences/s) | ${ma.toFixed(1)} | ${mp.toFixed(1)} | ${(ma / mp).toFixed(2)}x |`);
    if (amp) {
      const mab = median(ab), mpb = median(pb);
      ampRows.push(`| ${name} train (sequences/s) | ${mab.toFixed(1)} | ${(mab / ma).toFixed(2)}x | ${mpb.toFixed(1)} | ${(mab / mpb).toFixed(2)}x |`);
    }
  }
  console.log(`\nW3/W4, batch 64, length 200: ${threads} thread(s) each, medians of ${rounds} rounds`);
  console.log('| case | antorcha | PyTorch | ratio |\n|---|---:|---:|---:|');
  for (const r of rows) console.log(r);
  if (amp) {
    console.log('\nW6: the same under autocast bfloat16');
    console.log('| case | antorcha bf16 | vs antorcha float32 | PyTorch bf16 | vs PyTorch bf16 |\n|---|---:|---:|---:|---:|');
    for (const r of ampRows) console.log(r);
  }
}

main();
