/** The optimizer and scheduler API beyond the fixtures: groups, options, validation, closures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

const param = (values: number[]): Tensor => torch.keep(torch.tensor(values, { requiresGrad: true }));

test('paramGroups options are writable and take effect at the next step', () => {
  const p = param([1, 2]);
  const opt = new optim.SGD([p], { lr: 0.1 });
  p.grad = torch.keep(torch.tensor([1, 1]));
  opt.step();
  opt.paramGroups[0].lr = 0.5;
  opt.step();
  assert.deepEqual((p.tolist() as number[]).map((v) => Math.round(v * 1e6) / 1e6), [0.4, 1.4]);
});

test('groups take their own options and the defaults for the rest', () => {
  const a = param([1]), b = param([2]);
  const opt = new optim.Adam([{ params: [a] }, { params: b, lr: 0.1, betas: [0.8, 0.9] }], { lr: 0.01, weightDecay: 0.5 });
  assert.equal(opt.paramGroups[0].lr, 0.01);
  assert.equal(opt.paramGroups[1].lr, 0.1);
  assert.deepEqual(opt.paramGroups[1].betas, [0.8, 0.9]);
  assert.equal(opt.paramGroups[1].weightDecay, 0.5);
  assert.deepEqual(opt.paramGroups[1].params, [b]);
  // Defaults are copied into each group: changing one group's betas leaves the others alone.
  opt.paramGroups[0].betas[0] = 0.5;
  assert.deepEqual(opt.defaults.betas, [0.9, 0.999]);
});

test('addParamGroup adds parameters with the defaults; a parameter may not be in two groups', () => {
  const a = param([1]), b = param([2]);
  const opt = new optim.RMSprop([a], { lr: 0.02 });
  opt.addParamGroup({ params: [b], momentum: 0.9 });
  assert.equal(opt.paramGroups.length, 2);
  assert.equal(opt.paramGroups[1].lr, 0.02);
  assert.equal(opt.paramGroups[1].momentum, 0.9);
  assert.throws(() => opt.addParamGroup({ params: [a] }), /more than one parameter group/);
});

test('constructors reject what PyTorch rejects', () => {
  const p = param([1]);
  assert.throws(() => new optim.SGD(p as unknown as Tensor[], { lr: 0.1 }), /iterable of Tensors or dicts/);
  assert.throws(() => new optim.SGD([], { lr: 0.1 }), /empty parameter list/);
  assert.throws(() => new optim.SGD([p.mul(2)], { lr: 0.1 }), /non-leaf/);
  assert.throws(() => new optim.SGD([p]), /required optimization parameter lr/);
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /Nesterov momentum requires/);
  assert.throws(() => new optim.SGD([p], { lr: -1 }), /Invalid learning rate/);
  assert.throws(() => new optim.Adam([p], { betas: [1, 0.999] }), /Invalid beta parameter at index 0/);
  assert.throws(() => new optim.RMSprop([p], { alpha: -1 }), /Invalid alpha value/);
  assert.throws(() => new optim.Adam([{ params: [p], weight_decay: 0.1 }]), /did you mean 'weightDecay'/);
  // lr may come from every group instead of the defaults.
  assert.equal(new optim.SGD([{ params: [p], lr: 0.3 }]).paramGroups[0].lr, 0.3);
});

test('step(closure) evaluates the closure with gradients on and returns its value', () => {
  const p = param([3]);
  const opt = new optim.SGD([p], { lr: 0.5 });
  const loss = torch.noGrad(() =>
    opt.step(() => {
      opt.zeroGrad();
      const l = p.square().sum();
      l.backward();
      return l.item();
    }),
  );
  assert.equal(loss, 9);
  assert.deepEqual(p.tolist(), [0]);
});

test('parameters without a gradient are skipped and get no state', () => {
  const a = param([1]), b = param([2]);
  const opt = new optim.Adam([a, b]);
  a.grad = torch.keep(torch.tensor([1]));
  opt.step();
  assert.deepEqual(b.tolist(), [2]);
  assert.equal(opt.state.has(b), false);
  assert.deepEqual(Object.keys(opt.stateDict().state), ['0']);
});

test('stateDict uses PyTorch names; loadStateDict checks the groups', () => {
  const a = param([1]), b = param([2]);
  const opt = new optim.AdamW([{ params: [a] }, { params: [b], lr: 0.1 }], { amsgrad: true });
  a.grad = torch.keep(torch.tensor([1]));
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.param_groups.map((g) => g.params), [[0], [1]]);
  assert.equal(sd.param_groups[0].weight_decay, 0.01);
  assert.deepEqual(Object.keys(sd.state[0]).sort(), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
  assert.equal((sd.state[0].step as Tensor).dtype, 'float32');
  assert.throws(() => new optim.AdamW([a, b]).loadStateDict(sd), /different number of parameter groups/);
  assert.throws(() => new optim.AdamW([{ params: [a, b] }, { params: [param([0])] }]).loadStateDict(sd), /doesn't match the size/);
  // Options round-trip through their PyTorch names.
  const other = new optim.AdamW([{ params: [param([1])] }, { params: [param([2])] }]);
  other.loadStateDict(sd);
  assert.equal(other.paramGroups[1].lr, 0.1);
  assert.equal(other.paramGroups[0].amsgrad, true);
  assert.equal(other.paramGroups[0].weightDecay, 0.01);
});

test('loadStateDict casts floating state to the parameter dtype, except step', () => {
  const p = torch.keep(torch.ones([2], { dtype: 'float64', requiresGrad: true }));
  const opt = new optim.Adam([p]);
  opt.loadStateDict({
    state: { 0: { step: torch.tensor(3, { dtype: 'float32' }), exp_avg: torch.zeros(2), exp_avg_sq: torch.zeros(2) } },
    param_groups: [{ lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, params: [0] }],
  });
  const s = opt.state.get(p)!;
  assert.equal((s.expAvg as Tensor).dtype, 'float64');
  assert.equal((s.step as Tensor).dtype, 'float32');
});

test('a scheduler sets initialLr, and resuming needs it', () => {
  const opt = new optim.SGD([param([1])], { lr: 0.1 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2 });
  assert.equal(opt.paramGroups[0].initialLr, 0.1);
  assert.deepEqual(sched.getLastLr(), [0.1]);
  assert.equal(sched.lastEpoch, 0);
  assert.ok(Math.abs(opt.stateDict().param_groups[0].initial_lr as number - 0.1) === 0);
  const fresh = new optim.SGD([param([1])], { lr: 0.1 });
  assert.throws(() => new optim.lrScheduler.ExponentialLR(fresh, { gamma: 0.9, lastEpoch: 4 }), /initial_lr/);
});

test('CosineAnnealingLR resumed at lastEpoch > 0 takes the closed form first', () => {
  const opt = new optim.SGD([param([1])], { lr: 0.1 });
  opt.paramGroups[0].initialLr = 0.1;
  const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 10, lastEpoch: 4 });
  assert.equal(sched.lastEpoch, 5);
  assert.ok(Math.abs(opt.paramGroups[0].lr - 0.05) < 1e-15);
});

test('OneCycleLR refuses to step past totalSteps and needs a momentum to cycle', () => {
  const opt = new optim.SGD([param([1])], { lr: 0.1 });
  const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 2 });
  sched.step();
  sched.step();
  assert.throws(() => sched.step(), /Tried to step 4 times/);
  class Plain extends optim.Optimizer<{ lr: number }> {
    protected updateGroup(): void {}
  }
  assert.throws(() => new optim.lrScheduler.OneCycleLR(new Plain([param([1])], { lr: 1 }), { maxLr: 1, totalSteps: 5 }), /cycle_momentum/);
});

test('ReduceLROnPlateau accepts a one-element tensor as the metric', () => {
  const opt = new optim.SGD([param([1])], { lr: 1 });
  const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
  sched.step(torch.tensor(1));
  sched.step(torch.tensor(2));
  assert.deepEqual(sched.getLastLr(), [0.5]);
});

test('Adam/AdamW: the fused float32 update equals the op-by-op update (non-contiguous parameters take it)', () => {
  const configs: [string, (p: Tensor[]) => optim.Optimizer<never>][] = [
    ['Adam', (p) => new optim.Adam(p, { lr: 0.05, weightDecay: 0.1, amsgrad: true }) as never],
    ['Adam maximize', (p) => new optim.Adam(p, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-3, maximize: true }) as never],
    ['AdamW', (p) => new optim.AdamW(p, { lr: 0.05, weightDecay: 0.1, amsgrad: true }) as never],
  ];
  for (const [name, make] of configs) {
    torch.tidy(() => {
      torch.manualSeed(7);
      const init = torch.randn([5, 4]);
      // The same values as a contiguous leaf (fused kernel) and as a transposed one (separate tensor ops).
      const fused = init.clone().requiresGrad_(true);
      const split = init.t().contiguous().t().requiresGrad_(true);
      assert.ok(!split.isContiguous());
      const [a, b] = [make([fused]), make([split])];
      for (let step = 0; step < 5; step++) {
        const g = torch.randn([5, 4]).mul(step + 1);
        fused.grad = g.clone();
        split.grad = g.t().contiguous().t();
        a.step();
        b.step();
        const diff = fused.detach().sub(split.detach()).abs().max().item();
        // Both round every op to float32; they may differ only where the op-by-op path fuses a multiply-add.
        assert.ok(diff <= 1e-6, `${name}, step ${step + 1}: max difference ${diff}`);
      }
      const sa = a.stateDict().state, sb = b.stateDict().state;
      for (const key of ['exp_avg', 'exp_avg_sq']) {
        const d = (sa[0][key] as Tensor).sub(sb[0][key] as Tensor).abs().max().item();
        assert.ok(d <= 1e-6, `${name}: ${key} differs by ${d}`);
      }
    });
  }
});
