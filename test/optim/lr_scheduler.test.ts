/**
 * Every scheduler case of test/fixtures/optim.json: the lr (and momentum) sequence over 12 steps equals
 * PyTorch 1.13's, the state dict has PyTorch's keys and values, and both PyTorch's state dict and antorcha's
 * own resume the sequence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as optim from '../../src/optim/index.js';
import type { OptimizerStateDict } from '../../src/optim/index.js';
import { camelOptions, decodeState, fixture, schedulerOptimizer, type SchedulerCase } from './fixture.js';

type AnyScheduler = optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;

function build(c: SchedulerCase, opt: optim.Optimizer): AnyScheduler {
  const Cls = optim.lrScheduler[c.scheduler] as unknown as new (o: optim.Optimizer, options: unknown) => AnyScheduler;
  return new Cls(opt, camelOptions(c.options));
}

function momenta(opt: optim.Optimizer): number[] {
  return opt.paramGroups.map((g) => ('betas' in g ? (g.betas as number[])[0] : (g.momentum as number)));
}

function step(c: SchedulerCase, sched: AnyScheduler, k: number): void {
  if (sched instanceof optim.lrScheduler.ReduceLROnPlateau) sched.step(c.metrics![k]);
  else sched.step();
}

/** Lrs are doubles computed by the same formulas; only libm's cos may differ in its last bit. */
function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => {
    assert.ok(Math.abs(a - expected[i]) <= 1e-12 * Math.abs(expected[i]), `${what}[${i}]: got ${a}, expected ${expected[i]}`);
  });
}

/** Runs steps from..to-1 and compares lrs, getLastLr() and momenta after each. */
function run(c: SchedulerCase, opt: optim.Optimizer, sched: AnyScheduler, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    opt.step();
    step(c, sched, k);
    close(opt.paramGroups.map((g) => g.lr), c.expected[k + 1], `${c.name}: lr after step ${k + 1}`);
    close(sched.getLastLr(), c.expected[k + 1], `${c.name}: getLastLr() after step ${k + 1}`);
    close(momenta(opt), c.momenta[k + 1], `${c.name}: momentum after step ${k + 1}`);
  }
}

/** Equal up to the last bit of doubles, with infinities and nested objects. */
function sameValue(a: unknown, b: unknown, what: string): void {
  if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(b)) {
    assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${what}: got ${a}, expected ${b}`);
  } else if (Array.isArray(b)) {
    assert.ok(Array.isArray(a) && a.length === b.length, `${what}: got ${JSON.stringify(a)}`);
    b.forEach((x, i) => sameValue((a as unknown[])[i], x, `${what}[${i}]`));
  } else if (b !== null && typeof b === 'object') {
    assert.deepEqual(Object.keys(a as object).sort(), Object.keys(b).sort(), `${what} keys`);
    for (const [k, x] of Object.entries(b)) sameValue((a as Record<string, unknown>)[k], x, `${what}.${k}`);
  } else {
    assert.equal(a, b, what);
  }
}

const steps = (c: SchedulerCase) => c.expected.length - 1;

for (const c of fixture.schedulers) {
  test(`${c.scheduler} ${c.name}: ${steps(c)} steps match PyTorch`, () => {
    const opt = schedulerOptimizer(c);
    const sched = build(c, opt);
    close(opt.paramGroups.map((g) => g.lr), c.expected[0], `${c.name}: lr after construction`);
    close(momenta(opt), c.momenta[0], `${c.name}: momentum after construction`);
    run(c, opt, sched, 0, steps(c));
  });

  test(`${c.scheduler} ${c.name}: stateDict() after ${c.saveAt} steps has PyTorch's keys and values`, () => {
    const opt = schedulerOptimizer(c);
    const sched = build(c, opt);
    run(c, opt, sched, 0, c.saveAt);
    const ours = sched.stateDict();
    const theirs = decodeState(c.stateDict) as Record<string, unknown>;
    // PyTorch saves OneCycleLR's anneal function as a bound method; antorcha saves its name.
    if ('anneal_func' in theirs) {
      assert.equal(ours.anneal_func, c.options.anneal_strategy ?? 'cos');
      theirs.anneal_func = ours.anneal_func;
    }
    sameValue(ours, theirs, 'state dict');
  });

  test(`${c.scheduler} ${c.name}: PyTorch's state dict after ${c.saveAt} steps resumes the sequence`, () => {
    const opt = schedulerOptimizer(c);
    const sched = build(c, opt);
    // The scheduler's state dict does not hold the groups' lr and momentum: set them as PyTorch had them.
    opt.paramGroups.forEach((g, i) => {
      g.lr = c.expected[c.saveAt][i];
      if ('betas' in g) g.betas = [c.momenta[c.saveAt][i], (g.betas as number[])[1]];
      else g.momentum = c.momenta[c.saveAt][i];
    });
    sched.loadStateDict(decodeState(c.stateDict) as Record<string, unknown>);
    run(c, opt, sched, c.saveAt, steps(c));
  });

  test(`${c.scheduler} ${c.name}: own state dicts after ${c.saveAt} steps resume the sequence`, () => {
    const opt = schedulerOptimizer(c);
    const sched = build(c, opt);
    run(c, opt, sched, 0, c.saveAt);
    const saved = { optimizer: opt.stateDict(), scheduler: sched.stateDict() };
    const freshOpt = schedulerOptimizer(c);
    const fresh = build(c, freshOpt);
    freshOpt.loadStateDict(saved.optimizer as OptimizerStateDict);
    fresh.loadStateDict(saved.scheduler);
    run(c, freshOpt, fresh, c.saveAt, steps(c));
  });
}

test('the fixture covers every scheduler', () => {
  const seen = new Set(fixture.schedulers.map((c) => c.scheduler));
  for (const name of ['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR', 'OneCycleLR', 'ReduceLROnPlateau']) {
    assert.ok(seen.has(name as SchedulerCase['scheduler']), name);
  }
});
