/**
 * Every optimizer case of test/fixtures/optim.json: five steps on two parameters with the fixture's
 * gradients match PyTorch 1.13 at float32 tolerances; state dicts have PyTorch's layout and values; a
 * PyTorch state dict and antorcha's own both resume the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/index.js';
import type { OptimizerStateDict } from '../../src/optim/index.js';
import { mismatch, type EncodedTensor } from '../helpers.js';
import { buildOptimizer, decodeState, fixture, isEncoded, makeParams, setGrads, type OptimizerCase } from './fixture.js';

/** Options PyTorch 1.13 keeps in its groups that antorcha has no use for (always at their defaults here). */
const pytorchOnly = new Set(['foreach', 'capturable', 'differentiable', 'fused']);

function checkParams(params: Tensor[], expected: EncodedTensor[], what: string): void {
  params.forEach((p, i) => assert.equal(mismatch(p, expected[i]), null, `${what}, parameter ${i}`));
}

function run(c: OptimizerCase, from: number, to: number, params: Tensor[], opt: ReturnType<typeof buildOptimizer>): void {
  for (let k = from; k < to; k++) {
    setGrads(c, params, k);
    opt.step();
    checkParams(params, c.params[k], `${c.name}: step ${k + 1}`);
  }
}

for (const c of fixture.optimizers) {
  test(`${c.name}: ${c.params.length} steps match PyTorch`, () => {
    const params = makeParams(c.init);
    run(c, 0, c.params.length, params, buildOptimizer(c, params));
  });

  test(`${c.name}: stateDict() after ${c.saveAt} steps has PyTorch's layout and values`, () => {
    const params = makeParams(c.init);
    const opt = buildOptimizer(c, params);
    run(c, 0, c.saveAt, params, opt);
    const ours = opt.stateDict();
    const theirs = c.stateDict;
    assert.equal(ours.param_groups.length, theirs.param_groups.length);
    ours.param_groups.forEach((group, g) => {
      const want = theirs.param_groups[g];
      for (const key of Object.keys(want)) {
        if (!pytorchOnly.has(key)) assert.ok(key in group, `group ${g} lacks '${key}'`);
      }
      for (const [key, value] of Object.entries(group)) {
        assert.ok(key in want, `group ${g} has '${key}', which PyTorch does not`);
        assert.deepEqual(value, want[key], `group ${g} '${key}'`);
      }
    });
    assert.deepEqual(Object.keys(ours.state).sort(), Object.keys(theirs.state).sort(), 'state indices');
    for (const [index, entry] of Object.entries(theirs.state)) {
      const mine = ours.state[index];
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(entry).sort(), `state ${index} keys`);
      for (const [key, want] of Object.entries(entry)) {
        const got = mine[key];
        if (isEncoded(want)) {
          assert.ok(got instanceof Tensor, `state ${index} '${key}' is a tensor`);
          assert.equal(mismatch(got, want), null, `state ${index} '${key}'`);
        } else {
          assert.equal(got, want, `state ${index} '${key}'`);
        }
      }
    }
  });

  test(`${c.name}: PyTorch's state dict after ${c.saveAt} steps resumes the run`, () => {
    const params = makeParams(c.params[c.saveAt - 1]);
    const opt = buildOptimizer(c, params);
    opt.loadStateDict(decodeState(c.stateDict) as OptimizerStateDict);
    run(c, c.saveAt, c.params.length, params, opt);
  });

  test(`${c.name}: own stateDict() after ${c.saveAt} steps, loaded into a fresh optimizer, continues the run exactly`, () => {
    const params = makeParams(c.init);
    const opt = buildOptimizer(c, params);
    run(c, 0, c.saveAt, params, opt);
    const resumedParams = params.map((p) => p.detach().clone().requiresGrad_(true));
    const resumed = buildOptimizer(c, resumedParams);
    resumed.loadStateDict(opt.stateDict());
    run(c, c.saveAt, c.params.length, params, opt);
    run(c, c.saveAt, c.params.length, resumedParams, resumed);
    resumedParams.forEach((p, i) => assert.deepEqual(p.dataSync(), params[i].dataSync(), `parameter ${i}`));
  });
}

test('the fixture covers every optimizer and option', () => {
  const seen = new Set(fixture.optimizers.flatMap((c) => [c.optimizer, ...Object.keys(c.options).map((k) => `${c.optimizer}.${k}`)]));
  for (const key of ['SGD.momentum', 'SGD.dampening', 'SGD.nesterov', 'SGD.weight_decay', 'SGD.maximize',
    'Adam.amsgrad', 'Adam.weight_decay', 'Adam.betas', 'Adam.eps', 'Adam.maximize', 'AdamW.amsgrad',
    'AdamW.weight_decay', 'AdamW.maximize', 'RMSprop.centered', 'RMSprop.momentum', 'RMSprop.alpha',
    'RMSprop.weight_decay', 'RMSprop.maximize']) {
    assert.ok(seen.has(key), key);
  }
});
