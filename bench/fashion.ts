/**
 * W2: the lesson's SimpleCNN (1 input channel) on the real Fashion-MNIST, batch 64, Adam 1e-3 — seconds per
 * training epoch, test accuracy after each epoch and resident memory, antorcha against PyTorch
 * (bench/pytorch/w2.py), one seed at a time, alternating the two sides. Each run is a fresh process.
 *
 *   node dist/bench/fashion.js [--threads N] [--seeds 0,1,2] [--epochs 3] [--limit N] [--data DIR] [--amp bf16]
 *
 * Prints the median epoch time of each side and their ratio, the best test accuracy over the epochs of each
 * seed and its mean over the seeds, and the resident memory after the first and the last epoch. With
 * `--amp bf16` (W6 on W2) the two sides are antorcha in float32 and antorcha with the forward pass and the
 * loss under bfloat16 autocast: the accuracy must stay within 0.5 points.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim } from '../src/index.js';
import { loadFashionMnist } from '../src/cli/fashion_data.js';
import { simpleCnn } from './simple_cnn.js';
import { median, options, PYTHON, region } from './cli_args.js';

const PY_SCRIPT = fileURLToPath(new URL('../../bench/pytorch/w2.py', import.meta.url));
const DEFAULT_DATA = '/usr/share/datasets/fashion-mnist';

interface EpochRecord { epoch: number; seconds: number; test_accuracy: number; rss_mb: number }

/**
 * The epoch's order: uniform draws (the same stream as PyTorch's torch.rand after manual_seed), stably sorted.
 * Both sides then see the same batches in the same order from the same initial weights, so the accuracy
 * comparison measures the frameworks, not two different shuffles.
 */
function shuffled(n: number): torch.Tensor {
  const u = torch.tidy(() => torch.rand([n]).dataSync() as Float32Array);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b] || a - b);
  return torch.tensor(order, { dtype: 'int64' });
}

/** One run of antorcha's side, written as the PyTorch script is; prints one JSON line per epoch. */
function worker(seed: number, epochs: number, limit: number | undefined, root: string, amp: boolean): void {
  const data = loadFashionMnist({ root, limit });
  const xtr = data.train.images, ytr = data.train.labels, xte = data.test.images, yte = data.test.labels;
  torch.manualSeed(seed);
  const m = simpleCnn(1);
  const opt = new optim.Adam(m.parameters(), { lr: 1e-3 });
  const crit = new nn.CrossEntropyLoss();
  const n = xtr.shape[0];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    m.train();
    const perm = shuffled(n);
    const t = performance.now();
    for (let i = 0; i < n; i += 64) {
      torch.tidy(() => {
        const b = perm.narrow(0, i, Math.min(64, n - i));
        opt.zeroGrad();
        const loss = region(amp, () => crit.forward(m.forward(xtr.indexSelect(0, b)), ytr.indexSelect(0, b)));
        loss.backward();
        opt.step();
      });
    }
    const seconds = (performance.now() - t) / 1000;
    perm.dispose();
    m.eval();
    let correct = 0;
    torch.noGrad(() => {
      for (let i = 0; i < xte.shape[0]; i += 1000) {
        torch.tidy(() => {
          const len = Math.min(1000, xte.shape[0] - i);
          correct += region(amp, () => m.forward(xte.narrow(0, i, len))).argmax(1).eq(yte.narrow(0, i, len)).sum().item();
        });
      }
    });
    const record: EpochRecord = {
      epoch, seconds, test_accuracy: correct / xte.shape[0], rss_mb: process.memoryUsage().rss / 2 ** 20, ...(process.env.MEMDBG ? { mem: torch.memory() } : {}),
    };
    console.log(JSON.stringify(record));
  }
}

function parseLines(out: string): EpochRecord[] {
  return out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as EpochRecord);
}

function run(cmd: string, args: string[]): EpochRecord[] {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return parseLines(r.stdout);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function main(): void {
  const args = process.argv.slice(2);
  const arg = options(args);
  const threads = Number(arg('--threads', '2')), epochs = Number(arg('--epochs', '3'));
  const seeds = arg('--seeds', '0,1,2').split(',').map(Number);
  const limit = args.includes('--limit') ? Number(arg('--limit', '0')) : undefined;
  const root = arg('--data', DEFAULT_DATA);
  const amp = arg('--amp', '') === 'bf16';
  if (args.includes('--amp') && !amp) throw new Error(`--amp expects bf16, got '${arg('--amp', '')}'`);
  if (args.includes('--worker')) {
    torch.setNumThreads(threads);
    worker(Number(arg('--seed', '0')), epochs, limit, root, args.includes('--bf16'));
    return;
  }
  const names = amp ? ['antorcha f32', 'antorcha bf16'] : ['antorcha', 'PyTorch'];
  const self = fileURLToPath(import.meta.url);
  const ours: EpochRecord[][] = [], theirs: EpochRecord[][] = [];
  for (const seed of seeds) {
    const common = ['--threads', String(threads), '--epochs', String(epochs), '--data', root, ...(limit ? ['--limit', String(limit)] : [])];
    ours.push(run(process.execPath, [self, '--worker', '--seed', String(seed), ...common]));
    theirs.push(amp
      ? run(process.execPath, [self, '--worker', '--bf16', '--seed', String(seed), ...common])
      : run(PYTHON, [PY_SCRIPT, root, String(seed), String(threads), String(epochs), ...(limit ? [String(limit)] : [])]));
    const fmt = (rs: EpochRecord[]) => rs.map((r) => `${r.seconds.toFixed(1)} s ${(r.test_accuracy * 100).toFixed(2)}%`).join(', ');
    console.error(`seed ${seed}: ${names[0]} ${fmt(ours.at(-1)!)} | ${names[1]} ${fmt(theirs.at(-1)!)}`);
  }
  const epochSeconds = (runs: EpochRecord[][]) => median(runs.flat().map((r) => r.seconds));
  const best = (runs: EpochRecord[][]) => runs.map((rs) => Math.max(...rs.map((r) => r.test_accuracy)) * 100);
  const [a, p] = [epochSeconds(ours), epochSeconds(theirs)];
  console.log(`\nW2 Fashion-MNIST SimpleCNN, batch 64, Adam 1e-3: ${threads} thread(s) each, seeds ${seeds.join(',')}, ${epochs} epoch(s)`);
  console.log(`| figure | ${names[0]} | ${names[1]} | ratio |\n|---|---:|---:|---:|`);
  const speed = amp ? `${(a / p).toFixed(2)}x bf16 speed-up` : `${(p / a).toFixed(2)}x faster`;
  console.log(`| training epoch, median of ${ours.flat().length} (s) | ${a.toFixed(1)} | ${p.toFixed(1)} | ${speed} |`);
  const ba = best(ours), bp = best(theirs);
  console.log(`| best test accuracy per seed (%) | ${ba.map((x) => x.toFixed(2)).join(' / ')} | ${bp.map((x) => x.toFixed(2)).join(' / ')} | |`);
  console.log(`| mean of the seeds' best (%) | ${mean(ba).toFixed(2)} | ${mean(bp).toFixed(2)} | ${(mean(ba) - mean(bp)).toFixed(2)} pt |`);
  const rss = (runs: EpochRecord[][]) => runs.map((rs) => `${rs[0].rss_mb.toFixed(0)} → ${rs.at(-1)!.rss_mb.toFixed(0)}`).join(' / ');
  console.log(`| resident memory after epoch 1 → ${epochs} (MiB) | ${rss(ours)} | ${rss(theirs)} | |`);
}

main();
