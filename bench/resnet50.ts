/**
 * W5: torchvision's ResNet-50 (random weights), batch 8, 224×224 — eval images/s against PyTorch
 * (bench/pytorch/w5.py) and onnxruntime-node (the same model exported by torch.onnx.export,
 * bench/ort_resnet50.ts), and the lesson's transfer-learning step (every parameter frozen, a new fc
 * Linear(2048, 5), Adam on fc, train mode) against PyTorch. Each round runs the three sides in turn, the
 * other two in fresh processes; the table gives medians.
 *
 *   node dist/bench/resnet50.js [--threads 2] [--rounds 5] [--steps 3] [--onnx resnet50.onnx] [--amp bf16]
 *
 * Without --onnx the model is exported into a temporary folder first (Debian's PyTorch, a few seconds).
 * With `--amp bf16` (W6) each round instead runs both sides in float32 and under CPU autocast (bfloat16), and
 * the table gives antorcha's bfloat16 speed-up over its own float32 and the ratio to PyTorch's autocast.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';
import { models } from '../src/models/index.js';
import { median, options, PYTHON, region } from './cli_args.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const script = (name: string) => here(`../../bench/pytorch/${name}`);

type Figures = { infer: number; transfer_step: number };

function ours(steps: number, amp = false): Figures {
  torch.manualSeed(0);
  const model = models.resnet50();
  const x = torch.keep(torch.randn([8, 3, 224, 224]));
  model.eval();
  const forward = () => torch.tidy(() => torch.noGrad(() => { region(amp, () => model.forward(x)).dataSync(); }));
  forward();
  let t = performance.now();
  for (let i = 0; i < steps; i++) forward();
  const infer = (steps * 8) / ((performance.now() - t) / 1000);

  for (const p of model.parameters()) p.requiresGrad = false;
  const oldHead = model.fc;
  model.fc = new nn.Linear(model.fc.inFeatures, 5);
  torch.dispose(oldHead.parameters());
  const optimizer = new optim.Adam(model.fc.parameters(), { lr: 0.001 });
  const criterion = new nn.CrossEntropyLoss();
  const y = torch.keep(torch.randint(0, 5, [8]));
  model.train();
  const step = () => torch.tidy(() => {
    optimizer.zeroGrad();
    const loss = region(amp, () => criterion.forward(model.forward(x) as Tensor, y));
    loss.backward();
    optimizer.step();
  });
  step();
  t = performance.now();
  for (let i = 0; i < steps; i++) step();
  const transferStep = (steps * 8) / ((performance.now() - t) / 1000);
  torch.dispose([x, y, model.parameters(), model.buffers(), [...optimizer.state.values()].flatMap((s) => Object.values(s))]);
  return { infer, transfer_step: transferStep };
}

/** Runs a child process to completion and returns its standard output. */
function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/** A benchmark child's figures: the JSON object on its last line. */
function child(command: string, args: string[]): Record<string, number> {
  return JSON.parse(run(command, args).trim().split('\n').pop()!) as Record<string, number>;
}

/** W6: float32 against autocast bfloat16 on both sides, alternating. */
function mixedPrecision(threads: number, rounds: number, steps: number): void {
  const runs = { ours: [] as Figures[], oursAmp: [] as Figures[], theirs: [] as Figures[], theirsAmp: [] as Figures[] };
  for (let r = 0; r < rounds; r++) {
    runs.ours.push(ours(steps));
    runs.oursAmp.push(ours(steps, true));
    runs.theirs.push(child(PYTHON, [script('w5.py'), String(threads), String(steps)]) as Figures);
    runs.theirsAmp.push(child(PYTHON, [script('w5.py'), String(threads), String(steps), 'bf16']) as Figures);
    const line = (name: keyof typeof runs) => `${name} eval ${runs[name][r].infer.toFixed(1)} step ${runs[name][r].transfer_step.toFixed(1)}`;
    console.error(`round ${r + 1}/${rounds}: ${(Object.keys(runs) as (keyof typeof runs)[]).map(line).join('; ')} img/s`);
  }
  const med = (name: keyof typeof runs, k: keyof Figures) => median(runs[name].map((f) => f[k]));
  console.log(`\nW6 ResNet-50, batch 8, 224x224, autocast bfloat16: ${threads} thread(s) each, medians of ${rounds} rounds of ${steps} timed steps`);
  console.log('| case | antorcha f32 | antorcha bf16 | bf16 vs f32 | PyTorch f32 | PyTorch bf16 | antorcha bf16 vs PyTorch bf16 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const k of ['infer', 'transfer_step'] as const) {
    const [a, ab, p, pb] = [med('ours', k), med('oursAmp', k), med('theirs', k), med('theirsAmp', k)];
    console.log(`| ${k === 'infer' ? 'eval' : 'transfer step'} (images/s) | ${a.toFixed(1)} | ${ab.toFixed(1)} | ${(ab / a).toFixed(2)}x | `
      + `${p.toFixed(1)} | ${pb.toFixed(1)} | ${(ab / pb).toFixed(2)}x |`);
  }
}

function main(): void {
  const arg = options(process.argv.slice(2));
  const threads = Number(arg('--threads', '2')), rounds = Number(arg('--rounds', '5')), steps = Number(arg('--steps', '3'));
  const amp = arg('--amp', '');
  if (amp) {
    if (amp !== 'bf16') throw new Error('--amp takes bf16');
    torch.setNumThreads(threads);
    mixedPrecision(threads, rounds, steps);
    return;
  }
  let onnx = arg('--onnx', '');
  if (!onnx) {
    onnx = join(mkdtempSync(join(tmpdir(), 'w5-')), 'resnet50.onnx');
    run(PYTHON, [script('export_resnet50_onnx.py'), onnx]);
  }
  if (!existsSync(onnx)) throw new Error(`no ONNX model at ${onnx}`);
  torch.setNumThreads(threads);
  const a = { infer: [] as number[], transfer_step: [] as number[] };
  const p = { infer: [] as number[], transfer_step: [] as number[] };
  const o: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const mine = ours(steps);
    const theirs = child(PYTHON, [script('w5.py'), String(threads), String(steps)]);
    const ort = child(process.execPath, [here('./ort_resnet50.js'), onnx, String(threads), String(steps)]);
    a.infer.push(mine.infer); a.transfer_step.push(mine.transfer_step);
    p.infer.push(theirs.infer); p.transfer_step.push(theirs.transfer_step);
    o.push(ort.infer);
    console.error(`round ${r + 1}/${rounds}: eval antorcha ${mine.infer.toFixed(1)}, PyTorch ${theirs.infer.toFixed(1)}, `
      + `onnxruntime ${ort.infer.toFixed(1)} img/s; transfer step antorcha ${mine.transfer_step.toFixed(1)}, PyTorch ${theirs.transfer_step.toFixed(1)} img/s`);
  }
  const f = (v: number) => v.toFixed(1);
  console.log(`\nW5 ResNet-50, batch 8, 224x224: ${threads} thread(s) each, medians of ${rounds} rounds of ${steps} timed steps`);
  console.log('| case | antorcha | PyTorch | onnxruntime-node | vs PyTorch | vs onnxruntime |\n|---|---:|---:|---:|---:|---:|');
  console.log(`| eval (images/s) | ${f(median(a.infer))} | ${f(median(p.infer))} | ${f(median(o))} | ${(median(a.infer) / median(p.infer)).toFixed(2)}x | ${(median(a.infer) / median(o)).toFixed(2)}x |`);
  console.log(`| transfer step (images/s) | ${f(median(a.transfer_step))} | ${f(median(p.transfer_step))} | | ${(median(a.transfer_step) / median(p.transfer_step)).toFixed(2)}x | |`);
}

main();
