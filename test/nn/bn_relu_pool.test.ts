/**
 * nn.Sequential(BatchNorm2d, ReLU, MaxPool2d(k)) as one fused batch norm with pooling (ops/batchnorm.ts
 * batchNormReluMaxPool): outputs, gradients and running statistics against PyTorch (float64 reference,
 * tools/gen_bn_pool_fixtures.py), float64 finite differences, 16-bit activations against the unfused layers, and
 * the cases that must not fuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/nn/functional/index.js';
import type { Tensor, DType } from '../../src/index.js';
import { fromFixture, loadFixture, mismatch, tolerance, type EncodedTensor } from '../helpers.js';

interface Step {
  mode: 'train' | 'eval';
  input: EncodedTensor;
  output: EncodedTensor;
  gradOutput: EncodedTensor;
  inputGrad: EncodedTensor;
  paramGrads?: { weight: EncodedTensor; bias: EncodedTensor };
}
interface Case {
  name: string;
  channels: number;
  kernel: number | [number, number];
  eps: number;
  momentum: number;
  affine: boolean;
  ceilMode: boolean;
  state: Record<string, EncodedTensor>;
  steps: Step[];
  stateAfter: Record<string, EncodedTensor>;
}
const { cases } = loadFixture<{ cases: Case[] }>('bn_relu_pool.json');

function build(c: Case, dtype: DType): [nn.Sequential, nn.BatchNorm2d, nn.MaxPool2d] {
  const bn = new nn.BatchNorm2d(c.channels, { eps: c.eps, momentum: c.momentum, affine: c.affine });
  const pool = new nn.MaxPool2d(c.kernel, { ceilMode: c.ceilMode });
  const seq = new nn.Sequential(bn, new nn.ReLU(), pool);
  seq.loadStateDict({
    ...Object.fromEntries(Object.entries(c.state).map(([k, e]) => [`0.${k}`, fromFixture(e, 'float32')])),
    '0.num_batches_tracked': torch.zeros([], { dtype: 'int64' }),
  });
  seq.to(dtype);
  return [seq, bn, pool];
}

function close(actual: Tensor, expected: EncodedTensor, dtype: DType, what: string): void {
  const err = mismatch(actual.to('float64'), expected, tolerance(dtype));
  assert.equal(err, null, `${what}: ${err}`);
}

const channelsLast = (t: Tensor) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
const values = (t: Tensor) => Array.from(t.float().dataSync() as Float32Array);

for (const c of cases) {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const layout of ['contiguous', 'channels-last'] as const) {
      test(`${c.name}: ${dtype}, ${layout} input, matches PyTorch`, () => torch.tidy(() => {
        const [seq, bn] = build(c, dtype);
        c.steps.forEach((step, s) => {
          seq.train(step.mode === 'train');
          let x = fromFixture(step.input, dtype);
          if (layout === 'channels-last') x = channelsLast(x);
          x.requiresGrad = true;
          const y = seq.forward(x) as Tensor;
          assert.equal(y.gradFn?.name, 'batchNorm', 'one fused node (batch norm with the pooling)');
          close(y, step.output, dtype, `step ${s} (${step.mode}) output`);
          y.backward(fromFixture(step.gradOutput, dtype));
          close(x.grad!, step.inputGrad, dtype, `step ${s} input's gradient`);
          if (step.paramGrads) {
            close(bn.weight!.grad!, step.paramGrads.weight, dtype, `step ${s} weight's gradient`);
            close(bn.bias!.grad!, step.paramGrads.bias, dtype, `step ${s} bias's gradient`);
          }
          seq.zeroGrad();
        });
        const sd = seq.stateDict();
        for (const [k, e] of Object.entries(c.stateAfter)) close(sd[`0.${k}`], e, dtype, `${k} after the steps`);
      }));
    }
  }

  test(`${c.name}: without gradients, the same outputs and running statistics`, () => torch.tidy(() => torch.noGrad(() => {
    const [seq] = build(c, 'float32');
    c.steps.forEach((step, s) => {
      seq.train(step.mode === 'train');
      close(seq.forward(fromFixture(step.input, 'float32')) as Tensor, step.output, 'float32', `step ${s} output`);
    });
    const sd = seq.stateDict();
    for (const [k, e] of Object.entries(c.stateAfter)) close(sd[`0.${k}`], e, 'float32', `${k} after the steps`);
  })));
}

test('the fused gradients match float64 finite differences (train and eval, uneven sizes)', () => torch.tidy(() => {
  torch.manualSeed(3);
  for (const training of [true, false]) {
    const x = torch.randn([2, 3, 5, 7], { dtype: 'float64' }).mul(1.5).add(0.2);
    const w = torch.randn([3], { dtype: 'float64' }).mul(0.3).add(1);
    const b = torch.randn([3], { dtype: 'float64' }).mul(0.3);
    const rm = torch.randn([3], { dtype: 'float64' }).mul(0.3), rv = torch.rand([3], { dtype: 'float64' }).add(0.5);
    const g = torch.randn([2, 3, 2, 3], { dtype: 'float64' });
    const f = (xi: Tensor, wi: Tensor, bi: Tensor) => F.batchNorm(xi, rm.clone(), rv.clone(), wi, bi,
      { training, fuseRelu: true, maxPool: [2, 2] }).mul(g).sum();
    const [xa, wa, ba] = [x, w, b].map((t) => t.clone().requiresGrad_(true));
    f(xa, wa, ba).backward();
    const h = 1e-6;
    [[x, xa.grad!, 'input'], [w, wa.grad!, 'weight'], [b, ba.grad!, 'bias']].forEach(([t, analytic, what], which) => {
      const base = (t as Tensor).dataSync() as Float64Array;
      const grad = analytic as Tensor;
      const got = grad.dataSync() as Float64Array;
      for (let i = 0; i < base.length; i++) {
        const at = (d: number) => torch.noGrad(() => {
          const v = Float64Array.from(base);
          v[i] += d;
          const p = torch.tensor(Array.from(v), { dtype: 'float64' }).reshape((t as Tensor).shape);
          const args = [x, w, b].map((q, j) => (j === which ? p : q)) as [Tensor, Tensor, Tensor];
          return f(...args).item();
        });
        const numeric = (at(h) - at(-h)) / (2 * h);
        assert.ok(Math.abs(numeric - got[i]) <= 1e-6 + 1e-5 * Math.abs(numeric),
          `${training ? 'train' : 'eval'} ${what}[${i}]: analytic ${got[i]}, finite difference ${numeric}`);
      }
    });
  }
}));

test('16-bit activations: the same values as the unfused layers and gradients within their rounding', () => torch.tidy(() => {
  for (const dtype of ['bfloat16', 'float16'] as const) {
    torch.manualSeed(5);
    const fused = new nn.Sequential(new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2));
    torch.noGrad(() => { (fused.at(0) as nn.BatchNorm2d).weight!.normal_(1, 0.3); (fused.at(0) as nn.BatchNorm2d).bias!.normal_(0, 0.3); });
    const bn = new nn.BatchNorm2d(16);
    bn.loadStateDict(Object.fromEntries(Object.entries((fused.at(0) as nn.Module).stateDict()).map(([k, v]) => [k, v.clone()])));
    const x0 = channelsLast(torch.randn([4, 16, 9, 10]).mul(2)).to(dtype);
    const g = torch.randn([4, 16, 4, 5]).to(dtype);
    const xa = x0.clone().requiresGrad_(true), xb = x0.clone().requiresGrad_(true);
    const ya = fused.forward(xa) as Tensor;
    const yb = new nn.MaxPool2d(2).forward(bn.forwardWithRelu(xb));
    assert.equal(ya.gradFn?.name, 'batchNorm');
    assert.deepEqual(values(ya), values(yb), `${dtype}: pooled values`);
    ya.backward(g);
    yb.backward(g);
    const expectSame = (a: Tensor, b: Tensor, what: string) => {
      const err = mismatch(a.float(), { shape: b.shape, dtype: 'float32', data: values(b) }, tolerance(dtype));
      assert.equal(err, null, `${dtype} ${what}: ${err}`);
    };
    expectSame(xa.grad!, xb.grad!, "input's gradient");
    const fusedBn = fused.at(0) as nn.BatchNorm2d;
    expectSame(fusedBn.weight!.grad!, bn.weight!.grad!, "weight's gradient");
    expectSame(fusedBn.bias!.grad!, bn.bias!.grad!, "bias's gradient");
    expectSame(fusedBn.runningVar!, bn.runningVar!, 'running variance');
  }
}));

test('poolings whose windows do not tile the input run unfused, with the same results', () => torch.tidy(() => {
  const x = torch.randn([2, 4, 9, 9]);
  for (const pool of [new nn.MaxPool2d(3, { stride: 2 }), new nn.MaxPool2d(2, { padding: 1 }), new nn.MaxPool2d(2, { ceilMode: true }),
    new nn.MaxPool2d(2, { dilation: 2 }), new nn.MaxPool2d(2, { returnIndices: true })]) {
    assert.equal(pool.tilingWindow(x), null, pool.extraRepr());
  }
  assert.deepEqual(new nn.MaxPool2d([3, 2]).tilingWindow(x), [3, 2]);
  assert.deepEqual(new nn.MaxPool2d(3, { ceilMode: true }).tilingWindow(x), [3, 3]);
  torch.manualSeed(9);
  const seq = new nn.Sequential(new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(3, { stride: 2 }));
  const bn = new nn.BatchNorm2d(4);
  const xa = x.clone().requiresGrad_(true), xb = x.clone().requiresGrad_(true);
  const ya = seq.forward(xa) as Tensor, yb = new nn.MaxPool2d(3, { stride: 2 }).forward(bn.forwardWithRelu(xb));
  assert.notEqual(ya.gradFn?.name, 'batchNorm');
  assert.deepEqual(values(ya), values(yb));
}));

test('the fused pooling needs the ReLU and refuses windows it cannot take', () => torch.tidy(() => {
  const x = torch.randn([2, 3, 4, 4]);
  assert.throws(() => F.batchNorm(x, null, null, null, null, { training: true, maxPool: [2, 2] }), /after a ReLU/);
  assert.throws(() => F.batchNorm(x, null, null, null, null, { training: true, fuseRelu: true, maxPool: [5, 2] }),
    /cannot fuse a 5x2 max pooling over an input of size \[2, 3, 4, 4\]/);
  assert.throws(() => F.batchNorm(x, null, null, null, null, { training: true, fuseRelu: true, maxPool: [1.5, 2] }), /cannot fuse/);
  assert.throws(() => F.batchNorm(x.int(), null, null, null, null, { training: true, fuseRelu: true, maxPool: [2, 2] }), /floating/);
}));

test('an input that needs no gradient still gives the parameters theirs (float64, against the unfused layers)', () => torch.tidy(() => {
  torch.manualSeed(4);
  const fusedBn = new nn.BatchNorm2d(6).double(), bn = new nn.BatchNorm2d(6).double();
  torch.noGrad(() => { fusedBn.weight!.normal_(1, 0.3); fusedBn.bias!.normal_(0, 0.3); bn.weight!.copy_(fusedBn.weight!); bn.bias!.copy_(fusedBn.bias!); });
  const x = torch.randn([4, 6, 8, 9], { dtype: 'float64' });
  const ya = new nn.Sequential(fusedBn, new nn.ReLU(), new nn.MaxPool2d(2)).forward(x) as Tensor;
  const yb = new nn.MaxPool2d(2).forward(bn.forwardWithRelu(x));
  assert.equal(ya.gradFn?.name, 'batchNorm');
  const g = torch.randn(ya.shape, { dtype: 'float64' });
  ya.backward(g);
  yb.backward(g);
  for (const [a, b, what] of [[fusedBn.weight!.grad!, bn.weight!.grad!, 'weight'], [fusedBn.bias!.grad!, bn.bias!.grad!, 'bias']] as const) {
    assert.ok(a.sub(b).abs().max().item() <= 1e-12 * (1 + b.abs().max().item()), `${what}'s gradient`);
  }
}));
