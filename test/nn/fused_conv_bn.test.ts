/**
 * Eval-mode Conv2d → BatchNorm2d (→ + shortcut) (→ ReLU) as one folded inference convolution: outputs against
 * PyTorch's unfused modules (tools/gen_fused_fixtures.py), the folded weights rebuilt whenever a source
 * changes, and the unfused path whenever a gradient or batch statistics are needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { canFuseConvBn, convBn } from '../../src/nn/fused_conv_bn.js';
import { conv2dInference } from '../../src/ops/conv.js';
import { loadFixture, fromFixture, mismatch, type EncodedTensor, relativeError } from '../helpers.js';
import { hasNativeBfloat16 } from '../../src/amp/native_support.js';

interface FusedCase {
  name: string;
  conv: { in: number; out: number; kernel: number; stride: number; padding: number; groups: number; dilation: number; bias: boolean };
  bn: { eps: number; affine: boolean };
  relu: boolean;
  state: Record<string, EncodedTensor>;
  input: EncodedTensor;
  residual: EncodedTensor | null;
  output: EncodedTensor;
}

const { cases } = loadFixture<{ cases: FusedCase[] }>('fused_conv_bn.json');

function build(c: FusedCase): { conv: nn.Conv2d; bn: nn.BatchNorm2d; relu: nn.ReLU | null } {
  const { conv: k } = c;
  const conv = new nn.Conv2d(k.in, k.out, k.kernel, { stride: k.stride, padding: k.padding, groups: k.groups, dilation: k.dilation, bias: k.bias });
  const bn = new nn.BatchNorm2d(k.out, { eps: c.bn.eps, affine: c.bn.affine });
  const seq = new nn.Sequential(conv, bn);
  seq.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([key, v]) => [key, fromFixture(v)])), { strict: false });
  seq.eval();
  return { conv, bn, relu: c.relu ? new nn.ReLU() : null };
}

for (const c of cases) {
  test(`convBn (${c.name}) in eval mode matches PyTorch's unfused modules`, () => torch.tidy(() => {
    const { conv, bn, relu } = build(c);
    const x = fromFixture(c.input), residual = c.residual ? fromFixture(c.residual) : null;
    assert.ok(torch.noGrad(() => canFuseConvBn(conv, bn, x, { residual, relu })), 'the fused path applies');
    const fused = torch.noGrad(() => convBn(conv, bn, x, { residual, relu }));
    assert.equal(mismatch(fused, c.output), null);
    // The same modules through nn.Sequential (the fusion applies there too when there is no shortcut).
    if (!residual) {
      const seq = new nn.Sequential(...[conv, bn, ...(relu ? [relu] : [])]).eval();
      assert.equal(mismatch(torch.noGrad(() => seq.forward(x) as Tensor), c.output), null);
    }
  }));
}

for (const c of cases) {
  test(`convBn (${c.name}) under bfloat16 autocast: folded in bfloat16 where oneDNN has it, else unfused`, () => torch.tidy(() => {
    const { conv, bn, relu } = build(c);
    const x = fromFixture(c.input), residual = c.residual ? fromFixture(c.residual).bfloat16() : null;
    const region = <T>(fn: () => T) => torch.noGrad(() => torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, fn));
    const fusable = region(() => canFuseConvBn(conv, bn, x, { residual, relu }));
    assert.equal(fusable, hasNativeBfloat16(), 'folded exactly where bfloat16 kernels are native');
    const y = region(() => convBn(conv, bn, x, { residual, relu }));
    assert.equal(y.dtype, 'bfloat16', 'a bfloat16 result, as the unfused chain under autocast');
    // bfloat16 keeps 8 significant bits: against PyTorch's float32 result the error is that of bfloat16
    // operands (rtol 1.6e-2), measured over the whole tensor since single elements may cancel to near zero.
    const err = relativeError(y, fromFixture(c.output));
    assert.ok(err < 1.6e-2, `relative error ${err}`);
  }));
}

test('convBn rebuilds the folded weights when a source tensor changes in place or is replaced', () => torch.tidy(() => {
  const c = cases[0];
  const { conv, bn, relu } = build(c);
  const x = fromFixture(c.input), residual = fromFixture(c.residual!);
  const unfused = () => bn.forward(conv.forward(x)).add(residual).relu();
  const fused = () => torch.noGrad(() => convBn(conv, bn, x, { residual, relu }));
  const close = (a: Tensor, b: Tensor, what: string) => assert.ok(torch.allclose(a, b, 1e-5, 1e-6), what);
  const first = fused();
  // Running statistics written in place (as a training forward does).
  torch.noGrad(() => bn.runningMean!.add_(0.25));
  const afterMean = fused();
  assert.ok(!torch.allclose(afterMean, first), 'the output must change with the running mean');
  close(afterMean, torch.noGrad(unfused), 'running mean');
  // An optimizer step on the convolution's weight.
  const opt = new torch.optim.SGD([conv.weight], { lr: 0.5 });
  conv.weight.grad = torch.onesLike(conv.weight);
  opt.step();
  close(fused(), torch.noGrad(unfused), 'weight after an optimizer step');
  // A parameter replaced by a new tensor, and eps changed.
  bn.weight = nn.Parameter(torch.full([c.conv.out], 1.5));
  (bn as { eps: number }).eps = 0.5;
  close(fused(), torch.noGrad(unfused), 'replaced weight and eps');
}));

test('convBn takes the unfused path when a gradient is needed or batch statistics are used', () => torch.tidy(() => {
  const c = cases[0];
  const { conv, bn, relu } = build(c);
  const residual = fromFixture(c.residual!);
  // Eval mode with gradients (e.g. fine-tuning with frozen statistics): values as PyTorch, and a backward.
  const x = fromFixture(c.input).requiresGrad_(true);
  assert.ok(!canFuseConvBn(conv, bn, x, { residual, relu }), 'an input that needs a gradient is not fused');
  assert.ok(!canFuseConvBn(conv, bn, fromFixture(c.input), { residual, relu }), 'parameters that need gradients are not fused');
  const y = convBn(conv, bn, x, { residual, relu });
  assert.equal(mismatch(y.detach(), c.output), null);
  y.sum().backward();
  assert.ok(x.grad !== null && conv.weight.grad !== null, 'gradients flow through the unfused layers');
  // Training mode: batch statistics, and the running statistics move.
  bn.train();
  assert.ok(!torch.noGrad(() => canFuseConvBn(conv, bn, fromFixture(c.input), { residual, relu })), 'batch statistics are not fused');
  const before = bn.runningMean!.clone();
  torch.noGrad(() => convBn(conv, bn, fromFixture(c.input), { residual, relu }));
  assert.ok(!torch.equal(before, bn.runningMean!), 'a training forward updates the running mean');
}));

test('conv2dInference refuses a residual of the wrong shape and inputs that need a gradient', () => torch.tidy(() => {
  const x = torch.randn([1, 2, 5, 5]), w = torch.randn([3, 2, 3, 3]);
  const geometry = { stride: [1, 1] as [number, number], padding: [1, 1] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
  assert.throws(() => conv2dInference(x, w, null, geometry, { residual: torch.randn([1, 3, 4, 5]) }),
    /residual's shape \[1, 3, 4, 5\] must equal the output's \[1, 3, 5, 5\]/);
  assert.throws(() => conv2dInference(x, w.clone().requiresGrad_(true), null, geometry, {}), /no gradient flows/);
  const y = conv2dInference(x, w, null, geometry, { relu: true });
  assert.ok(torch.allclose(y, torch.nn.functional.conv2d(x, w, null, { padding: 1 }).relu(), 1e-5, 1e-6));
}));

test('folded weights are freed with the model that made them', () => {
  const before = torch.memory().numTensors;
  torch.tidy(() => {
    const model = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU()).eval();
    torch.noGrad(() => model.forward(torch.randn([1, 3, 6, 6])));
    torch.dispose([model.parameters(), model.buffers()]);
  });
  assert.equal(torch.memory().numTensors, before);
});

test("oneDNN's layout of a folded weight is made once, follows a refold and is freed with the weight", () => {
  const before = torch.memory();
  torch.tidy(() => {
    // Grouped: oneDNN runs it on every CPU (the own float32 paths take groups = 1 only), in a blocked layout.
    const conv = new nn.Conv2d(32, 32, 3, { padding: 1, groups: 2 }), bn = new nn.BatchNorm2d(32);
    const model = new nn.Sequential(conv, bn, new nn.ReLU()).eval();
    const x = torch.randn([2, 32, 6, 6]);
    const unfused = () => torch.noGrad(() => bn.forward(conv.forward(x)).relu());
    const first = torch.noGrad(() => model.forward(x) as Tensor);
    const staged = torch.memory().stagedWeightBytes - before.stagedWeightBytes;
    assert.ok(staged >= 32 * 16 * 9 * 4, `the weight is staged once (${staged} bytes)`);
    assert.ok(torch.allclose(first, unfused(), 1e-5, 1e-6));
    assert.ok(torch.equal(torch.noGrad(() => model.forward(x) as Tensor), first), 'the staged weight gives the same output');
    assert.equal(torch.memory().stagedWeightBytes - before.stagedWeightBytes, staged, 'and no second copy');
    // The running mean moves: the folded weight is rebuilt, its staged layout replaced.
    torch.noGrad(() => bn.runningVar!.mul_(4));
    const refolded = torch.noGrad(() => model.forward(x) as Tensor);
    assert.ok(!torch.allclose(refolded, first), 'the output follows the new statistics');
    assert.ok(torch.allclose(refolded, unfused(), 1e-5, 1e-6));
    assert.equal(torch.memory().stagedWeightBytes - before.stagedWeightBytes, staged, 'the old layout went with the old weight');
    torch.dispose([model.parameters(), model.buffers()]);
  });
  const after = torch.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.stagedWeightBytes, before.stagedWeightBytes, 'freed with the folded weight');
});
