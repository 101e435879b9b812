/**
 * torch.amp.GradScaler against PyTorch 1.13's GradScaler (test/fixtures/amp.json). PyTorch 1.13 has no CPU
 * kernels for its two scaler ops and disables GradScaler without CUDA, so tools/gen_amp_fixtures.py ran the
 * class's own Python code with those kernels emulated as their CUDA sources compute them, with real
 * torch.optim optimizers (SGD with momentum, Adam with gradient clipping after unscale_) and inf/NaN
 * gradients injected at chosen steps. Checked step for step: the scale used, the scaled gradients (bit for
 * bit), which steps are skipped, the scale and growth tracker after update(), parameters and optimizer state
 * (float32 tolerance; a skipped step leaves their bytes unchanged), the clipping norm and the state dict.
 * Every optimizer of src/optim is also checked to skip cleanly, and the API's errors are PyTorch's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, optim, Tensor } from '../../src/index.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { fromFixture, loadFixture, mismatch, tolerance, type EncodedTensor } from '../helpers.js';

interface ScalerStep {
  scaleUsed: number;
  scaledGrads: EncodedTensor[];
  skipped: boolean;
  scale: number;
  growthTracker: number;
  totalNorm: number | string | null;
  params: EncodedTensor[];
  state: Record<string, Record<string, EncodedTensor | number>>;
}
interface ScalerCase {
  name: string;
  optimizer: 'SGD' | 'Adam';
  options: Record<string, number>;
  scaler: Record<string, number>;
  clip: number | null;
  init: EncodedTensor[];
  grads: EncodedTensor[][];
  steps: ScalerStep[];
  stateDict: Record<string, number>;
}

const cases = loadFixture<{ gradScaler: ScalerCase[] }>('amp.json').gradScaler;

const camel: Record<string, string> = {
  init_scale: 'initScale', growth_factor: 'growthFactor', backoff_factor: 'backoffFactor', growth_interval: 'growthInterval',
};
const stateKey: Record<string, string> = { momentum_buffer: 'momentumBuffer', exp_avg: 'expAvg', exp_avg_sq: 'expAvgSq', step: 'step' };

/** The bytes of every parameter and every optimizer state tensor, to prove a skipped step touched nothing. */
function snapshot(params: Tensor[], opt: Optimizer): string[] {
  const out = params.map((p) => Buffer.from((p.dataSync() as Float32Array).buffer).toString('hex'));
  for (const p of params) {
    for (const [key, value] of Object.entries(opt.state.get(p) ?? {})) {
      out.push(`${key}:${value instanceof Tensor ? Buffer.from((value.dataSync() as Float32Array).buffer).toString('hex') : String(value)}`);
    }
  }
  return out;
}

function build(c: ScalerCase): { params: Tensor[]; opt: Optimizer; scaler: torch.amp.GradScaler } {
  const params = c.init.map((e) => fromFixture(e).requiresGrad_());
  const opt = c.optimizer === 'SGD' ? new optim.SGD(params, c.options) : new optim.Adam(params, c.options);
  const options: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.scaler)) options[camel[k]] = v;
  return { params, opt, scaler: new torch.amp.GradScaler(options) };
}

for (const c of cases) {
  test(`GradScaler ${c.name}: ${c.steps.length} steps match PyTorch's scale sequence, skips, parameters and state`, () => {
    const { params, opt, scaler } = build(c);
    c.steps.forEach((s, k) => torch.tidy(() => {
      const where = `${c.name} step ${k}`;
      opt.zeroGrad({ setToNone: true });
      const grads = c.grads[k].map((e) => fromFixture(e));
      let loss = params[0].mul(grads[0]).sum();
      for (let i = 1; i < params.length; i++) loss = loss.add(params[i].mul(grads[i]).sum());
      assert.equal(scaler.getScale(), s.scaleUsed, `${where}: scale used`);
      const scaled = scaler.scale(loss);
      assert.deepEqual(scaled.shape, [1], 'a 0-d loss times the [1] scale tensor, as in PyTorch');
      scaled.backward();
      params.forEach((p, i) => assert.equal(mismatch(p.grad!, s.scaledGrads[i], { rtol: 0, atol: 0 }), null, `${where}: scaled grad ${i}`));
      if (c.clip !== null) {
        scaler.unscale_(opt);
        const total = nn.utils.clipGradNorm_(params, c.clip).item();
        const expected = typeof s.totalNorm === 'number' ? s.totalNorm : Number(s.totalNorm === 'nan' ? NaN : s.totalNorm === 'inf' ? Infinity : -Infinity);
        if (Number.isFinite(expected)) assert.ok(Math.abs(total - expected) <= 1e-5 + 1.3e-6 * Math.abs(expected), `${where}: norm ${total} vs ${expected}`);
        else assert.ok(!Number.isFinite(total), `${where}: norm ${total} should not be finite`);
      }
      const before = snapshot(params, opt);
      const result = scaler.step(opt);
      assert.equal(result, undefined);
      if (s.skipped) assert.deepEqual(snapshot(params, opt), before, `${where}: a skipped step changed parameters or state`);
      scaler.update();
      assert.equal(scaler.getScale(), s.scale, `${where}: scale after update`);
      assert.equal(scaler.getGrowthTracker(), s.growthTracker, `${where}: growth tracker`);
      params.forEach((p, i) => assert.equal(mismatch(p, s.params[i]), null, `${where}: parameter ${i}`));
      const state = opt.stateDict().state;
      for (const [index, entries] of Object.entries(s.state)) {
        for (const [key, value] of Object.entries(entries)) {
          const ours = state[index][key];
          if (typeof value === 'number' || value === null) assert.equal(ours, value, `${where}: state ${index}.${key}`);
          else assert.equal(mismatch(ours as Tensor, value, tolerance('float32')), null, `${where}: state ${index}.${key} (${stateKey[key]})`);
        }
      }
    }));
    assert.deepEqual(scaler.stateDict(), c.stateDict);
  });
}

test('stateDict / loadStateDict: PyTorch\'s keys; a loaded scaler continues the sequence', () => {
  const c = cases[0];
  const { scaler } = build(c);
  const other = new torch.amp.GradScaler();
  other.loadStateDict(c.stateDict);
  assert.deepEqual(other.stateDict(), c.stateDict);
  assert.deepEqual(Object.keys(scaler.stateDict()), ['scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker']);
  assert.deepEqual(new torch.amp.GradScaler({ enabled: false }).stateDict(), {});
  assert.throws(() => other.loadStateDict({}), /The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler\./);
  // Loaded before the first scale(): the scale and tracker start from the state dict.
  const p = torch.ones([2], { requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 0.1 });
  assert.equal(other.getScale(), c.stateDict.scale);
  other.scale(p.sum()).backward();
  other.step(opt);
  other.update();
  assert.equal(other.getGrowthTracker(), (c.stateDict._growth_tracker + 1) % c.stateDict.growth_interval);
});

function skipCheck(make: (params: Tensor[]) => Optimizer, name: string): void {
  test(`GradScaler with ${name}: an inf gradient skips the step bit for bit; a clean one steps as the optimizer alone`, () => {
    torch.manualSeed(5);
    const init = [torch.randn([3, 4]), torch.randn([4])];
    const g = [torch.randn([3, 4]), torch.randn([4])];
    const ref = init.map((t) => t.clone().requiresGrad_());
    const refOpt = make(ref);
    const params = init.map((t) => t.clone().requiresGrad_());
    const opt = make(params);
    const scaler = new torch.amp.GradScaler({ initScale: 1024 });
    const lossOf = (ps: Tensor[], gs: Tensor[]) => ps[0].mul(gs[0]).sum().add(ps[1].mul(gs[1]).sum());
    for (let k = 0; k < 4; k++) {
      const bad = k === 2;
      const gs = bad ? [g[0].mul(Infinity), g[1]] : g;
      opt.zeroGrad();
      scaler.scale(lossOf(params, gs)).backward();
      const before = snapshot(params, opt);
      scaler.step(opt);
      scaler.update();
      if (bad) {
        assert.deepEqual(snapshot(params, opt), before, `${name}: skipped step changed something`);
        assert.equal(scaler.getScale(), 512);
        continue;
      }
      refOpt.zeroGrad();
      lossOf(ref, g).backward();
      refOpt.step();
      params.forEach((p, i) => assert.ok(p.equal(ref[i]), `${name}: step ${k} differs from the optimizer alone`));
    }
  });
}
skipCheck((ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), 'SGD');
skipCheck((ps) => new optim.Adam(ps, { lr: 0.01, amsgrad: true }), 'Adam');
skipCheck((ps) => new optim.AdamW(ps, { lr: 0.01 }), 'AdamW');
skipCheck((ps) => new optim.RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true }), 'RMSprop');

test('GradScaler errors and pass-throughs are PyTorch\'s', () => {
  const p = torch.ones([2], { requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 0.1 });
  const scaler = new torch.amp.GradScaler();
  assert.throws(() => scaler.unscale_(opt), /Attempted unscale_ but _scale is None/);
  assert.throws(() => scaler.update(), /Attempted update but _scale is None/);
  scaler.scale(p.sum()).backward();
  assert.throws(() => scaler.update(), /No inf checks were recorded prior to update\./);
  scaler.unscale_(opt);
  assert.ok(p.grad!.equal(torch.ones([2])), 'unscale_ divides by the scale');
  assert.throws(() => scaler.unscale_(opt), /unscale_\(\) has already been called on this optimizer since the last update\(\)\./);
  assert.throws(() => scaler.step(opt, () => 0), /Closure use is not currently supported if GradScaler is enabled\./);
  scaler.step(opt);
  assert.throws(() => scaler.step(opt), /step\(\) has already been called since the last update\(\)\./);
  assert.throws(() => scaler.unscale_(opt), /unscale_\(\) is being called after step\(\)\./);
  scaler.update(1024);
  assert.equal(scaler.getScale(), 1024);
  scaler.update(torch.tensor([8], { dtype: 'float32' }));
  assert.equal(scaler.getScale(), 8);
  assert.throws(() => new torch.amp.GradScaler({ growthFactor: 1 }), /The growth factor must be > 1\.0\./);
  assert.throws(() => new torch.amp.GradScaler({ backoffFactor: 1 }), /The backoff factor must be < 1\.0\./);
  const nested = scaler.scale([torch.ones([2]), [torch.full([3], 2)]]);
  assert.deepEqual((nested[0] as Tensor).tolist(), [8, 8]);
  assert.deepEqual(((nested[1] as Tensor[])[0]).tolist(), [16, 16, 16]);

  const off = new torch.amp.GradScaler({ enabled: false });
  const loss = p.sum();
  assert.equal(off.scale(loss), loss);
  assert.equal(off.getScale(), 1);
  assert.equal(off.isEnabled(), false);
  assert.equal(off.step(opt, () => 7), 7, 'disabled: step is optimizer.step(...args)');
  off.update();
  assert.equal(torch.cuda.amp.GradScaler, torch.amp.GradScaler);
});

test('getters and setters of the factors and interval', () => {
  const s = new torch.amp.GradScaler({ growthInterval: 7 });
  assert.equal(s.getScale(), 65536);
  assert.equal(s.getGrowthFactor(), 2);
  assert.equal(s.getBackoffFactor(), 0.5);
  assert.equal(s.getGrowthInterval(), 7);
  s.setGrowthFactor(3);
  s.setBackoffFactor(0.25);
  s.setGrowthInterval(9);
  assert.deepEqual([s.getGrowthFactor(), s.getBackoffFactor(), s.getGrowthInterval(), s.isEnabled()], [3, 0.25, 9, true]);
});

test('clipGradValue_ clamps; clipGradNorm_ with the inf norm and errorIfNonfinite', () => {
  const p = torch.zeros([4], { requiresGrad: true });
  p.grad = torch.tensor([-3, -0.5, 0.25, 2]);
  nn.utils.clipGradValue_([p], 1);
  assert.deepEqual(p.grad.tolist(), [-1, -0.5, 0.25, 1]);
  const total = nn.utils.clipGradNorm_([p], 0.5, Infinity);
  assert.equal(total.item(), 1);
  // coefficient 0.5 / (1 + 1e-6) in float32
  assert.equal((p.grad.tolist() as number[])[0], Math.fround(-1 * Math.fround(0.5 / Math.fround(1 + Math.fround(1e-6)))));
  p.grad = torch.tensor([NaN, 1]).float();
  assert.throws(() => nn.utils.clipGradNorm_([p], 1, 2, { errorIfNonfinite: true }), /The total norm of order 2 for gradients from `parameters` is non-finite/);
  assert.equal(nn.utils.clipGradNorm_([torch.zeros([2], { requiresGrad: true })], 1).item(), 0);
});
