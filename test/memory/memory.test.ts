/** A PyTorch-style training loop with one line of memory handling runs in flat native memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

test('10,000 MLP training steps keep native bytes and live tensors flat', () => {
  torch.manualSeed(0);
  const x = torch.randn(32, 16), y = torch.randint(0, 4, [32]);
  const params = [torch.randn(32, 16).mul(0.1), torch.zeros(32), torch.randn(4, 32).mul(0.1), torch.zeros(4)]
    .map((p) => torch.keep(p.requiresGrad_(true)));
  const [w1, b1, w2, b2] = params;
  const step = (): number =>
    torch.tidy(() => {
      const logits = torch.linear(torch.linear(x, w1, b1).relu(), w2, b2);
      const loss = logits.logSoftmax(1).gather(1, y.view(-1, 1)).mean().neg();
      for (const p of params) {
        p.grad?.dispose();
        p.grad = null;
      }
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) p.sub_(p.grad!.mul(0.1));
      });
      return loss.item();
    });
  let at100: ReturnType<typeof torch.memory> | null = null;
  let first = 0, last = 0;
  for (let i = 1; i <= 10_000; i++) {
    const loss = step();
    if (i === 1) first = loss;
    if (i === 100) at100 = torch.memory();
    last = loss;
  }
  const at10k = torch.memory();
  assert.equal(at10k.numBytes, at100!.numBytes, 'native bytes after step 10,000 equal those after step 100');
  assert.equal(at10k.numTensors, at100!.numTensors, 'live tensors after step 10,000 equal those after step 100');
  assert.equal(at10k.numStorages, at100!.numStorages);
  assert.ok(last < first * 0.5, `the loop trains (loss ${first} -> ${last})`);
});

test('tidy disposes intermediates and keeps results; dispose() releases at once', () => {
  const before = torch.memory();
  const kept: Tensor = torch.tidy(() => {
    const a = torch.ones(100, 100);
    return a.mul(2).add(1).sum();
  });
  assert.equal(torch.memory().numTensors, before.numTensors + 1);
  kept.dispose();
  assert.equal(torch.memory().numTensors, before.numTensors);
  assert.equal(torch.memory().numBytes, before.numBytes);
});

test('a graph that is never backpropagated is freed with its tensors', () => {
  const w = torch.keep(torch.ones([64, 64], { requiresGrad: true }));
  const before = torch.memory().numBytes;
  for (let i = 0; i < 50; i++) torch.tidy(() => w.matmul(w).tanh().sum()).dispose();
  assert.equal(torch.memory().numBytes, before);
});

test('1,000 LSTM training steps under bfloat16 autocast (the own loop) keep native memory flat', () => {
  torch.manualSeed(0);
  const lstm = new torch.nn.LSTM(6, 8, { numLayers: 2, bidirectional: true, batchFirst: true });
  const head = new torch.nn.Linear(16, 1);
  const params = [...lstm.parameters(), ...head.parameters()];
  const opt = new torch.optim.Adam(params, { lr: 1e-2 });
  const x = torch.keep(torch.randn([4, 8, 6])), y = torch.keep(torch.rand([4, 1]));
  const step = (): number => torch.tidy(() => {
    opt.zeroGrad();
    const loss = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => {
      const [out] = lstm.forward(x);
      return torch.nn.functional.mseLoss(head.forward(out.select(1, -1)).float(), y);
    });
    loss.backward();
    opt.step();
    return loss.item();
  });
  let at100: ReturnType<typeof torch.memory> | null = null;
  let first = 0, last = 0;
  for (let i = 1; i <= 1000; i++) {
    last = step();
    if (i === 1) first = last;
    if (i === 100) at100 = torch.memory();
  }
  const at1k = torch.memory();
  assert.equal(at1k.numBytes, at100!.numBytes, 'native bytes after step 1,000 equal those after step 100');
  assert.equal(at1k.numTensors, at100!.numTensors);
  assert.ok(last < first, `the loop trains (loss ${first} -> ${last})`);
});

test('repeated eval-mode forwards of folded Conv-BN layers keep staged weights and native bytes flat', () => {
  const model = new torch.nn.Sequential(
    new torch.nn.Conv2d(16, 32, 3, { padding: 1, groups: 2 }), new torch.nn.BatchNorm2d(32), new torch.nn.ReLU(),
  ).eval();
  const x = torch.keep(torch.randn([2, 16, 8, 8]));
  const forward = () => torch.tidy(() => { torch.noGrad(() => model.forward(x)); });
  forward();
  const after1 = torch.memory();
  for (let i = 0; i < 200; i++) forward();
  const after200 = torch.memory();
  assert.equal(after200.numBytes, after1.numBytes);
  assert.equal(after200.stagedWeightBytes, after1.stagedWeightBytes);
  assert.equal(after200.numTensors, after1.numTensors);
});
